"""HTTP plumbing shared by the routers: body-size limit, one-line error bodies, JSON responses,
running blocking database work, and idempotent write transactions.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import anyio
import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from visalever.errors import InputError
from visalever.service import idempotency
from visalever.service.db import Tx, is_transient, write_tx
from visalever.service.errors import ServiceError

MAX_BODY_BYTES = 1024 * 1024


def json_bytes(data: Any) -> bytes:
    """Compact UTF-8 JSON (dates and decimals as text), by orjson; the stdlib for what orjson refuses."""
    try:
        return orjson.dumps(data, default=str, option=orjson.OPT_PASSTHROUGH_DATETIME)
    except TypeError:
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")


def json_response(data: Any, status: int = 200, text: str | None = None) -> Response:
    """A JSON response without FastAPI's re-validation of the body (the hot path already validated)."""
    body = text.encode("utf-8") if text else json_bytes(data)
    return Response(content=body, status_code=status, media_type="application/json")


def error_response(status: int, message: str, detail: Any = None,
                   headers: dict[str, str] | None = None) -> Response:
    """`{"error": "<property>: <what is wrong>", "detail": ...}`."""
    body: dict[str, Any] = {"error": message}
    if detail is not None:
        body["detail"] = detail
    return Response(content=json_bytes(body), status_code=status, media_type="application/json",
                    headers=headers)


class BodyTooLarge(Exception):
    """Raised from the wrapped `receive` when the body passes the limit."""


class BodyLimitMiddleware:
    """Refuse request bodies over 1 MB with 413 (by Content-Length, or while streaming chunked bodies)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = False
                if too_big:
                    await _send_413(send, self.limit)
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _send_413(send, self.limit)


async def _send_413(send: Send, limit: int) -> None:
    body = json_bytes({"error": f"body: request body is larger than {limit} bytes"})
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def _loc_text(loc: Any) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"} and len(parts) > 1:
        parts = parts[1:] if parts[0] == "body" else parts
    return ".".join(parts) if parts else "body"


def validation_message(errors: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """One line naming the first bad property, plus a JSON-safe list of all problems."""
    clean = []
    for err in errors:
        loc = list(err.get("loc", ()))
        msg = str(err.get("msg", "invalid"))
        kind = err.get("type", "")
        prop = _loc_text(loc)
        if kind == "json_invalid":
            where = f" at character {loc[1]}" if len(loc) > 1 else ""
            msg = f"malformed JSON{where} ({err.get('ctx', {}).get('error', 'decode error')})"
            prop = "body"
        clean.append({"loc": [str(p) for p in loc], "property": prop, "msg": msg, "type": kind})
    if not clean:
        return "body: invalid request", clean
    first = clean[0]
    more = f" (and {len(clean) - 1} more)" if len(clean) > 1 else ""
    return f"{first['property']}: {first['msg']}{more}", clean


def install_error_handlers(app: Any) -> None:
    """Every error becomes a 4xx JSON body with one line naming the property; nothing leaks as 5xx."""

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> Response:
        message, detail = validation_message(list(exc.errors()))
        return error_response(422, message, detail)

    @app.exception_handler(ServiceError)
    async def _service(_: Request, exc: ServiceError) -> Response:
        return error_response(exc.status, exc.message, exc.detail)

    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> Response:
        return error_response(422, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        headers = getattr(exc, "headers", None)
        return error_response(exc.status_code, str(exc.detail), headers=headers)


async def run_db(engine: Engine, fn: Callable[[], Any]) -> Any:
    """Run blocking database work: inline on SQLite (one writer anyway), in a thread on PostgreSQL."""
    if engine.dialect.name == "sqlite":
        return fn()
    return await anyio.to_thread.run_sync(fn)


def parse_body(model: type[BaseModel], raw: bytes) -> Any:
    """Validate a JSON body with pydantic-core directly from bytes; errors become the usual 422."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as err:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in err.errors(include_url=False)]
        raise RequestValidationError(errors) from None


def idempotency_key(request: Request) -> str | None:
    """The `Idempotency-Key` header, checked (400 naming the header when unusable)."""
    return check_idempotency_key(request.headers.get("idempotency-key"))


def check_idempotency_key(key: str | None) -> str | None:
    """`idempotency_key` for a header value already in hand (the ASGI fast path)."""
    if key is None:
        return None
    if not key or len(key) > idempotency.MAX_KEY_LENGTH or not key.isprintable():
        raise ServiceError(f"Idempotency-Key: must be 1-{idempotency.MAX_KEY_LENGTH} printable characters")
    return key


def idempotent_write(engine: Engine, key: str | None, method: str, path: str, body: Any, status: int,
                     action: Callable[[Tx], Any]) -> tuple[int, Any]:
    """Run `action` in one write transaction, replaying the first answer for a repeated key."""
    fp = idempotency.fingerprint(method, path, body)
    for attempt in range(8):
        try:
            with write_tx(engine) as tx:
                if key is not None:
                    seen = idempotency.replay(tx, key, fp)
                    if seen is not None:
                        return seen[0], seen[1]
                result = action(tx)
                if key is not None:
                    idempotency.remember(tx, key, fp, status, result)
                return status, result
        except Exception as err:
            if attempt == 7 or not is_transient(engine, err):
                raise
            time.sleep(0.002 * (attempt + 1))
    raise AssertionError("unreachable")
