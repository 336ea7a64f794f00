"""Mount point the service's `create_app` looks for: `mount(app)` adds the dashboard router at "/".

Kept separate from `routes` so the service can include the dashboard without knowing its internals;
`app.include_router(visalever.web.routes.router)` is equivalent.
"""

from __future__ import annotations

from fastapi import FastAPI

from visalever.web.routes import router


def mount(app: FastAPI) -> None:
    """Add the dashboard's pages and assets to `app`."""
    app.include_router(router)
