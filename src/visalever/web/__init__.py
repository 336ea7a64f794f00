"""The analyst dashboard: HTML pages over the v1 JSON API (map, dossiers, policies, scenarios, designations).

`visalever.web.routes.router` is a FastAPI router; the service's app factory includes it. Pages hold no
figures of their own: the browser fetches them from the `/v1/...` endpoint each page links as its JSON twin.
"""
