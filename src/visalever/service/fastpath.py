"""`POST /v1/decisions` answered by a small ASGI handler in front of FastAPI.

Why: a decision is the one endpoint called for every application, and FastAPI's router, dependency
solver and exception middlewares cost about as much CPU as the decision itself (route matching walks
every mounted route). This handler does exactly what the routed endpoint does, with the same
helpers: body limit (413), bearer token and role (401/403), Idempotency-Key check (400), body
validated by pydantic-core from bytes (422 naming the property), then the decision (SQLite: group
commit through `DecisionBatcher`; PostgreSQL: a worker thread). Errors become the same one-line JSON
bodies as the app's exception handlers. Every other request passes through untouched; the FastAPI
route stays registered for the OpenAPI document and as the reference implementation.
"""

from __future__ import annotations

from typing import Any

import anyio
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from visalever.errors import InputError
from visalever.service import decisions
from visalever.service.auth import authorize, token_from_header
from visalever.service.errors import ServiceError, Unavailable
from visalever.service.http import (
    MAX_BODY_BYTES,
    _send_413,
    check_idempotency_key,
    json_bytes,
    parse_body,
    validation_message,
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
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name, value)
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await _send_413(send, self.limit)
            return
        chunks = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _send_413(send, self.limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        raw = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        try:
            status, body = await self._decide(headers, raw)
            extra: list[tuple[bytes, bytes]] = []
        except Exception as err:  # noqa: BLE001 - mapped exactly like the app's exception handlers
            mapped = _error(err)
            if mapped is None:
                raise
            status, body, extra = mapped
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-length", str(len(body)).encode()),
                                (b"content-type", b"application/json"), *extra]})
        await send({"type": "http.response.body", "body": body})

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
        engine = state.engine
        if engine.dialect.name == "sqlite":  # group commit: one transaction for a turn's decisions
            if self._batcher is None:
                self._batcher = decisions.DecisionBatcher(engine, runtime)
            status, text = await self._batcher.submit(req, key, principal.token_id)
        else:
            status, text = await anyio.to_thread.run_sync(
                decisions.decide_and_record, engine, runtime, req, key, principal.token_id)
        return status, text.encode("utf-8")


def _error(err: Exception) -> tuple[int, bytes, list[tuple[bytes, bytes]]] | None:
    """(status, body, extra headers) for the errors the app's handlers map; None for a real bug."""
    if isinstance(err, RequestValidationError):
        message, detail = validation_message(list(err.errors()))
        return 422, _body(message, detail), []
    if isinstance(err, ServiceError):
        return err.status, _body(err.message, err.detail), []
    if isinstance(err, InputError):
        return 422, _body(str(err), None), []
    if isinstance(err, StarletteHTTPException):
        extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (err.headers or {}).items()]
        return err.status_code, _body(str(err.detail), None), extra
    return None


def _body(message: str, detail: Any) -> bytes:
    body: dict[str, Any] = {"error": message}
    if detail is not None:
        body["detail"] = detail
    return json_bytes(body)
