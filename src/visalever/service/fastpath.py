"""`POST /v1/decisions` answered by a small ASGI handler in front of FastAPI.

Why: a decision is the one endpoint called for every application, and FastAPI's router, dependency
solver and exception middlewares cost about as much CPU as the decision itself (route matching walks
every mounted route). This handler does exactly what the routed endpoint does, with the same
helpers: body limit (`http.read_body`, 413), bearer token and role (401/403), Idempotency-Key
check (400), body validated by pydantic-core from bytes (422 naming the property), then the decision
through `DecisionBatcher` (group commit on both backends). Errors go through `http.error_parts`,
the same mapping as the app's exception handlers (one copy: 4xx, or 503 while the database is
down). Every other request passes through untouched; the FastAPI
route stays registered for the OpenAPI document and as the reference implementation.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from visalever.service import decisions, metrics
from visalever.service.auth import authorize, token_from_header
from visalever.service.errors import Unavailable
from visalever.service.http import (
    MAX_BODY_BYTES,
    check_idempotency_key,
    error_parts,
    parse_body,
    read_body,
)
from visalever.service.schemas import DecisionRequest

PATH = "/v1/decisions"


class DecisionFastPath:
    """ASGI middleware: handles `POST /v1/decisions` itself, passes everything else to `app`."""

    def __init__(self, app: ASGIApp, state: Any, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.state = state
        self.limit = limit
        self._batcher: decisions.DecisionBatcher | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        raw = await read_body(scope, receive, send, self.limit)
        if raw is None:
            return
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name, value)
        extra: list[tuple[bytes, bytes]] = []
        try:
            status, body = await self._decide(headers, raw)
        except Exception as err:  # noqa: BLE001 - mapped exactly like the app's exception handlers
            mapped = error_parts(err)
            if mapped is None:
                raise
            status, body, more = mapped
            extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in more.items()]
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-length", str(len(body)).encode()),
                                (b"content-type", b"application/json"), *extra]})
        await send({"type": "http.response.body", "body": body})
        metrics.observe_latency(time.perf_counter() - started)

    async def _decide(self, headers: dict[bytes, bytes], raw: bytes) -> tuple[int, bytes]:
        state = self.state
        auth = headers.get(b"authorization")
        token = token_from_header(auth.decode("latin-1") if auth is not None else None)
        principal = authorize(state.tokens, token, "decisions.create")
        key_raw = headers.get(b"idempotency-key")
        key = check_idempotency_key(key_raw.decode("latin-1") if key_raw is not None else None)
        req = parse_body(DecisionRequest, raw)
        runtime = state.runtime
        if runtime is None:
            raise Unavailable(f"policy: the policy engine is not available ({state.runtime_error})")
        if self._batcher is None:  # group commit: the decisions of a moment share one transaction
            self._batcher = decisions.DecisionBatcher(state.engine, runtime)
        status, text = await self._batcher.submit(req, key, principal.token_id)
        return status, text.encode("utf-8")
