"""HTTP plumbing shared by the routers and the decision fast path: THE body-size limit (`read_body`),
THE mapping of errors to one-line JSON bodies (`error_parts`), JSON responses, running blocking
database work, and idempotent write transactions. The fast path and the app's exception handlers
both call these, so an error or an oversized body gets the same answer on every route.
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
from visalever.service.db import (
    Tx,
    database_error_types,
    database_unreachable,
    is_transient,
    note_database_down,
    write_tx,
)
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


def error_body(message: str, detail: Any = None) -> bytes:
    """`{"error": "<property>: <what is wrong>", "detail": ...}` as bytes."""
    body: dict[str, Any] = {"error": message}
    if detail is not None:
        body["detail"] = detail
    return json_bytes(body)


def error_response(status: int, message: str, detail: Any = None,
                   headers: dict[str, str] | None = None) -> Response:
    """`{"error": "<property>: <what is wrong>", "detail": ...}`."""
    return Response(content=error_body(message, detail), status_code=status, media_type="application/json",
                    headers=headers)


RETRY_AFTER_S = 2


def error_parts(err: BaseException) -> tuple[int, bytes, dict[str, str]] | None:
    """(status, JSON body, extra headers) for every error a request may end with; None for a real bug.

    The one mapping used by the app's exception handlers and by the decision fast path. A database
    that cannot be reached is a 503 with `Retry-After` (and one log line when it goes down, see
    `db.note_database_down`), never a 500 with a traceback per request.
    """
    if isinstance(err, RequestValidationError):
        message, detail = validation_message(list(err.errors()))
        return 422, error_body(message, detail), {}
    if isinstance(err, ServiceError):
        return err.status, error_body(err.message, err.detail), {}
    if isinstance(err, InputError):
        return 422, error_body(str(err)), {}
    if isinstance(err, StarletteHTTPException):
        return err.status_code, error_body(str(err.detail)), dict(err.headers or {})
    if database_unreachable(err):
        note_database_down(err)
        return 503, error_body("database: the database is unreachable; retry shortly"), {
            "Retry-After": str(RETRY_AFTER_S)}
    return None


async def send_error(send: Send, status: int, body: bytes, headers: dict[str, str] | None = None,
                     close: bool = False) -> None:
    """Send a complete JSON error response from ASGI code (no Response object needed)."""
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    if close:
        raw.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _send_413(send: Send, limit: int) -> None:
    await send_error(send, 413, error_body(f"body: request body is larger than {limit} bytes"), close=True)


async def read_body(scope: Scope, receive: Receive, send: Send, limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The whole request body, at most `limit` bytes (by Content-Length, or counted while a chunked
    body streams in); None when the client went away or the body was too large (413 already sent)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length" and value.isdigit() and int(value) > limit:
            await _send_413(send, limit)
            return None
    chunks = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # client went away
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            await _send_413(send, limit)
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _may_have_body(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"transfer-encoding" or (name == b"content-length" and value != b"0"):
            return True
    return False


class BodyLimitMiddleware:
    """Refuse request bodies over 1 MB with 413 on every route, by reading the body here (bounded)
    and handing it on: an error raised while the app streamed the body used to surface as FastAPI's
    400 "error parsing the body" instead of 413 (issue 17, a 1.5 MB chunked body on /v1/quotas)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _may_have_body(scope):
            await self.app(scope, receive, send)
            return
        body = await read_body(scope, receive, send, self.limit)
        if body is None:
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


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
    """Every error becomes a JSON body with one line naming the property (through `error_parts`):
    4xx for the caller's mistakes, 503 + Retry-After while the database is unreachable."""

    async def _handle(_: Request, exc: Exception) -> Response:
        mapped = error_parts(exc)
        if mapped is None:
            raise exc
        status, body, headers = mapped
        return Response(content=body, status_code=status, media_type="application/json",
                        headers=headers or None)

    for kind in (RequestValidationError, ServiceError, InputError, StarletteHTTPException,
                 *database_error_types()):
        app.add_exception_handler(kind, _handle)


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
