"""Operations endpoints beside `/healthz` (liveness): `/readyz` (readiness) and `/metrics` (Prometheus).

Why separate from liveness: a load balancer should stop sending traffic to a process whose database
is unreachable or not yet migrated (`/readyz` 503), without the orchestrator restarting a process
that will recover by itself when the database is back (`/healthz` stays 200). Both are public: they
reveal no records, only whether the service can answer and how much it has decided.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from visalever.service import audit, metrics
from visalever.service.auth import public
from visalever.service.db import read_tx
from visalever.service.http import RETRY_AFTER_S, error_parts, error_response, json_response, run_db


@asynccontextmanager
async def _lifespan(_app: Any) -> AsyncIterator[None]:
    """At shutdown (after the requests in flight were answered) write the last audit checkpoint:
    uvicorn re-raises SIGTERM once it has drained, so exit handlers would not run."""
    yield
    audit.flush_checkpoints()


router = APIRouter(dependencies=[Depends(public)], lifespan=_lifespan)

NOT_READY = {503: {"description": "The database is unreachable or its schema is not the current one "
                                  "(`{\"error\": ...}`, with Retry-After)"}}


@functools.cache
def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    from visalever.service.db import alembic_config

    return str(ScriptDirectory.from_config(alembic_config()).get_current_head())


@router.get("/readyz", tags=["meta"], responses=NOT_READY,
            summary="Readiness: the database answers and its schema is the current migration")
async def readyz(request: Request) -> Response:
    engine = request.app.state.engine
    head = _head_revision()

    def probe() -> Any:
        with read_tx(engine) as tx:
            return tx.first("SELECT version_num FROM alembic_version")

    try:
        row = await run_db(engine, probe)
    except Exception as err:
        mapped = error_parts(err)
        if mapped is None or mapped[0] != 503:
            raise
        return Response(content=mapped[1], status_code=503, media_type="application/json",
                        headers=mapped[2])
    current = row[0] if row else None
    if current != head:
        return error_response(503, f"database: schema at migration {current!r}, this release needs {head!r}; "
                                   "run any `visalever` command on the database to migrate it",
                              headers={"Retry-After": str(RETRY_AFTER_S)})
    return json_response({"status": "ready", "database": engine.dialect.name, "migration": head})


@router.get("/metrics", tags=["meta"], response_class=Response,
            responses={200: {"content": {"text/plain": {}},
                             "description": "Prometheus text exposition format"}},
            summary="Prometheus metrics: decisions by outcome, group-commit batch sizes, decision latency")
async def get_metrics() -> Response:
    body, content_type = metrics.exposition()
    return Response(content=body, media_type=content_type)
