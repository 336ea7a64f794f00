"""The FastAPI application: `create_app(db_url, policy_id)` wires the database, the policy engine,
tokens, the routers of this package and those of other modules (assessments, simulations, the
dashboard) when they are installed.
"""

from __future__ import annotations

import importlib
import logging
import os
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from visalever.service import designations
from visalever.service.db import open_database
from visalever.service.docs_page import DOCS_HTML
from visalever.service.fastpath import DecisionFastPath
from visalever.service.http import BodyLimitMiddleware, install_error_handlers
from visalever.service.tokens import TokenCache

log = logging.getLogger("visalever.service")
DEFAULT_POLICY = "uk-statutory"

# Routers owned by other modules, included when the module exists: (module, attribute).
OPTIONAL_ROUTERS = (
    ("visalever.assess.api", "router"),
    ("visalever.simulate.api", "router"),
    ("visalever.service.routes_analysis", "router"),
)
# The dashboard mounts itself (static files, templates) through `mount(app)` at "/".
OPTIONAL_MOUNTS = (("visalever.web.app", "mount"),)


def _optional(module: str, attr: str) -> Any:
    """`module.attr` if the module exists; a module that exists but fails to import is a real error."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as err:
        if err.name and (module == err.name or module.startswith(err.name + ".")):
            return None
        raise
    return getattr(mod, attr, None)


def create_app(db_url: str | None = None, policy_id: str = DEFAULT_POLICY, *, pool_size: int = 8) -> FastAPI:
    """Build the app on `db_url` (migrated on open) deciding under `policy_id`."""
    engine = open_database(db_url, pool_size=pool_size, background_checkpoint=True)
    app = FastAPI(
        title="visalever",
        version="1",
        summary="Returns-linked visa policy: decisions with caps, designations and a hash-chained audit log.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.policy_id = policy_id
    app.state.tokens = TokenCache(engine)
    app.state.runtime = None
    app.state.runtime_error = None
    try:
        from visalever.service.runtime import PolicyRuntime

        runtime = PolicyRuntime(policy_id)
    except ImportError as err:  # engine not installed: reads and admin still work, decisions say 503
        app.state.runtime_error = f"{type(err).__name__}: {err}"
        log.warning("policy engine unavailable: %s", err)
    else:
        app.state.runtime = runtime
        designations.seed(engine, runtime.packaged_designations())
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(DecisionFastPath, state=app.state)  # outermost: POST /v1/decisions skips the router
    install_error_handlers(app)

    from visalever.service import routes_read, routes_write

    app.include_router(routes_read.router)
    app.include_router(routes_write.router)
    for module, attr in OPTIONAL_ROUTERS:
        router = _optional(module, attr)
        if router is not None:
            app.include_router(router)

    _extend_openapi(app)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_HTML)

    for module, attr in OPTIONAL_MOUNTS:
        mount = _optional(module, attr)
        if mount is not None:
            mount(app)
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
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_env() -> FastAPI:
    """Factory for uvicorn worker processes (`--workers N`): settings come from the environment."""
    return create_app(os.environ.get("VISALEVER_DB"), os.environ.get("VISALEVER_POLICY", DEFAULT_POLICY),
                      pool_size=int(os.environ.get("VISALEVER_POOL_SIZE", "8")))
