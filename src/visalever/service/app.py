"""The FastAPI application: `create_app(db_url, policy_id)` wires the database, the policy engine,
tokens, the HTTP routers (all in `visalever.service`: reads, writes, assessments, simulations,
reforms, analysis) and the dashboard's pages.

Every route declares one permission (`visalever.service.auth`: `public` or `require(...)`); the
routers of public pages get `public` where they are included here, and
`tests/service/test_route_permissions.py` walks the whole route table to hold every route to it.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse, JSONResponse

from visalever.service import designations
from visalever.service.auth import PERMISSIONS, PUBLIC, declared_permission, iter_routes, public
from visalever.service.db import wait_for_database
from visalever.service.docs_page import DOCS_HTML
from visalever.service.fastpath import DecisionFastPath
from visalever.service.http import BodyLimitMiddleware, install_error_handlers
from visalever.service.runtime import PolicyRuntime
from visalever.service.tokens import TokenStore

log = logging.getLogger("visalever.service")
DEFAULT_POLICY = "uk-statutory"


def create_app(db_url: str | None = None, policy_id: str = DEFAULT_POLICY, *, pool_size: int = 8,
               jwt: Any = None, fast_path: bool = True, db_wait: float = 0.0) -> FastAPI:
    """Build the app on `db_url` (migrated on open) deciding under `policy_id`; `jwt` (a
    `JwtVerifier`) also accepts bearer JWTs from an identity provider. `fast_path=False` leaves out
    the decision fast path (the server wraps the whole app in it instead, see `app_from_env`);
    `db_wait` seconds are spent waiting for an unreachable database (with backoff) before failing."""
    engine = wait_for_database(db_url, db_wait, say=log.warning, pool_size=pool_size,
                               background_checkpoint=True)
    app = FastAPI(
        title="visalever",
        version="1",
        summary="Returns-linked visa policy: decisions with caps, designations and a hash-chained audit log.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served below as a route that declares its permission like every other
    )
    app.state.engine = engine
    app.state.policy_id = policy_id
    app.state.tokens = TokenStore(engine, jwt=jwt)
    runtime = PolicyRuntime(policy_id)
    app.state.runtime = runtime
    app.state.runtime_error = None
    designations.seed(engine, runtime.packaged_designations())
    app.add_middleware(BodyLimitMiddleware)
    if fast_path:  # outermost middleware: POST /v1/decisions skips the router
        app.add_middleware(DecisionFastPath, state=app.state)
    install_error_handlers(app)

    from visalever.service import (
        routes_analysis,
        routes_assess,
        routes_law,
        routes_ops,
        routes_read,
        routes_reforms,
        routes_scenarios,
        routes_simulations,
        routes_write,
    )
    from visalever.web import routes as web_routes

    app.include_router(routes_read.router)
    app.include_router(routes_write.router)
    app.include_router(routes_assess.router)
    app.include_router(routes_simulations.router)
    app.include_router(routes_reforms.router)
    app.include_router(routes_scenarios.router)  # /v1/scenarios (builder: rows -> reform; simulations.run)
    app.include_router(routes_analysis.router, dependencies=[Depends(public)])  # public reads
    app.include_router(routes_ops.router)  # /readyz, /metrics (public)
    app.include_router(routes_law.router)  # /v1/countries/{iso3}/measures, /v1/changes, /changes (public)

    _extend_openapi(app)

    @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(public)])
    async def openapi_json() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=[Depends(public)])
    async def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_HTML)

    # The dashboard's pages and assets are public reads; its one write (reform upload) is served by
    # `routes_reforms` and needs `simulations.run`.
    app.include_router(web_routes.router, dependencies=[Depends(public)])
    return app


def _extend_openapi(app: FastAPI) -> None:
    """Add the schemas of bodies parsed by hand on the hot path, and the bearer security scheme."""
    from fastapi.openapi.utils import get_openapi

    from visalever.service.schemas import DecisionRequest

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
        components = schema.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        extra = DecisionRequest.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in extra.pop("$defs", {}).items():
            schemas.setdefault(name, sub)
        schemas["DecisionRequest"] = extra
        components["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        _document_transport_errors(schema)
        for route in iter_routes(app):  # each operation says which permission (and so token) it needs
            permission = declared_permission(route)
            for method in getattr(route, "methods", None) or ():
                operation = schema.get("paths", {}).get(route.path, {}).get(method.lower())
                if operation is None or permission is None:
                    continue
                operation["x-permission"] = permission
                if permission != PUBLIC:
                    operation["security"] = [{"bearer": []}]
                    roles = ", ".join(sorted(PERMISSIONS[permission]))
                    note = f"Needs a bearer token with `{permission}` (roles: {roles})."
                    text = (operation.get("description") or "").rstrip()
                    operation["description"] = f"{text}\n\n{note}" if text else note
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


#: Statuses any operation can return before its handler runs (the server's own limits), and those of
#: any operation that takes a body (malformed JSON, too large); listed so that clients and schemathesis'
#: status-code conformance check see every status a route can answer.
_ANY_ROUTE = {431: "Request header fields too large (see serve --max-header-bytes)"}
_WITH_BODY = {
    400: "Malformed request (e.g. a body that is not JSON, or a bad header)",
    413: "Request body over the limit",
}


def _document_transport_errors(schema: dict[str, Any]) -> None:
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete") or not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            extra = dict(_ANY_ROUTE)
            if "requestBody" in operation or method in ("post", "put", "patch"):
                extra.update(_WITH_BODY)
            for code, text in extra.items():
                responses.setdefault(str(code), {"description": text, "content": error_ref})


def app_from_env() -> Any:
    """Factory for uvicorn worker processes (`--workers N`): settings come from the environment.

    A worker started (or restarted) while the database is unreachable waits for it as `serve` does
    (`--db-wait`, passed as VISALEVER_DB_WAIT). The decision fast path wraps the whole FastAPI app
    here rather than sitting in its middleware stack: a decision then skips FastAPI's own layers
    (telemetry, body limit, error middleware; about a tenth of a decision's CPU), while every other
    request goes through them unchanged."""
    from visalever.service.jwt_auth import JwtVerifier

    app = create_app(os.environ.get("VISALEVER_DB"), os.environ.get("VISALEVER_POLICY", DEFAULT_POLICY),
                     pool_size=int(os.environ.get("VISALEVER_POOL_SIZE", "8")), jwt=JwtVerifier.from_env(),
                     fast_path=False, db_wait=float(os.environ.get("VISALEVER_DB_WAIT", "0")))
    return DecisionFastPath(app, state=app.state)
