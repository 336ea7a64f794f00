"""`POST /v1/decisions` answered by a small ASGI handler in front of FastAPI.

Why: a decision is the one endpoint called for every application, and FastAPI's router, dependency
solver and exception middlewares cost about as much CPU as the decision itself (route matching walks
every mounted route). This handler does exactly what the routed endpoint does, with the same
helpers: body limit (`http.read_body`, 413), bearer token and role (401/403), Idempotency-Key
check (400), body validated by pydantic-core from bytes (422 naming the property), then the decision
through the process's group commit (`group_commit`: one transaction for the decisions that arrive
together, on both backends). On PostgreSQL a stored token is read inside that transaction; a request
refused before it (400, 422, 503) reads its token first, so 401/403 still come first. Errors go
through `http.error_parts`, the same mapping as the app's exception handlers (one copy: 4xx, or 503
while the database is down). Every other request passes through untouched; the FastAPI route stays
registered for the OpenAPI document and as the reference implementation.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

from visalever.service import metrics
from visalever.service.auth import TokenRefused, authorize, token_from_header
from visalever.service.errors import Unavailable
from visalever.service.group_commit import BearerToken, DecisionBatcher, PgGroupCommit
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
        self._batcher: DecisionBatcher | PgGroupCommit | None = None
        self._lookups: _TokenLookups | None = None

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
        key_raw = headers.get(b"idempotency-key")
        group = self._group_commit()
        if token and isinstance(group, PgGroupCommit) and state.tokens.read_in_batch(token):
            # PostgreSQL: the token is read inside the batch's own transaction (no round trip of its
            # own). A request refused before the batch still answers 401/403 first, as every route.
            try:
                key = check_idempotency_key(key_raw.decode("latin-1") if key_raw is not None else None)
                req = parse_body(DecisionRequest, raw)
                self._runtime()
            except Exception:
                authorize(await self._token_lookups().read(token), token, "decisions.create")
                raise
            caller: Any = BearerToken.of(token)
        else:
            if token and getattr(state.tokens, "blocking", False):
                principal = authorize(await self._token_lookups().read(token), token, "decisions.create")
            else:
                principal = authorize(state.tokens, token, "decisions.create")
            key = check_idempotency_key(key_raw.decode("latin-1") if key_raw is not None else None)
            req = parse_body(DecisionRequest, raw)
            self._runtime()
            caller = principal.token_id
        status, text = await group.submit(req, key, caller)
        return status, text.encode("utf-8")

    def _runtime(self) -> Any:
        runtime = self.state.runtime
        if runtime is None:
            raise Unavailable(f"policy: the policy engine is not available ({self.state.runtime_error})")
        return runtime

    def _group_commit(self) -> Any:
        """The process's group commit (created on first use, when the runtime exists)."""
        if self._batcher is None:
            state = self.state
            if state.runtime is None:
                return None
            if state.engine.dialect.name == "sqlite":
                self._batcher = DecisionBatcher(state.engine, state.runtime)
            else:
                self._batcher = PgGroupCommit(state.engine, state.runtime, state.tokens)
        return self._batcher

    def _token_lookups(self) -> _TokenLookups:
        if self._lookups is None:
            self._lookups = _TokenLookups(self.state.tokens)
        return self._lookups


class _Looked:
    """The answer of one token read, in the shape `authorize` asks for (`lookup`)."""

    __slots__ = ("found", "refused")

    def __init__(self, found: Any, refused: BaseException | None) -> None:
        self.found = found
        self.refused = refused

    def lookup(self, _token: str) -> Any:
        if self.refused is not None:
            raise self.refused
        return self.found


class _TokenLookups:
    """Token reads on PostgreSQL (a round trip each) off the event loop, one per token per loop turn.

    Why: the token store reads the database on every request (so that a revoked token is refused at
    once); done inline it blocked the event loop for a round trip per decision, and in a thread per
    request it cost a thread hop each. Requests with the same token that arrive in the same event-loop
    turn share ONE read, which starts after all of them arrived (never an earlier one), so a token
    revoked before a request arrived is still refused.
    """

    def __init__(self, tokens: Any) -> None:
        self.tokens = tokens
        self._waiting: dict[str, asyncio.Future] = {}

    async def read(self, token: str) -> _Looked:
        """The result of a read of `token` that starts after this call."""
        future = self._waiting.get(token)
        if future is None:
            loop = asyncio.get_running_loop()
            future = self._waiting[token] = loop.create_future()
            loop.call_soon(self._start, token, future)
        return await asyncio.shield(future)

    def _start(self, token: str, future: asyncio.Future) -> None:
        self._waiting.pop(token, None)  # later arrivals start a read of their own
        asyncio.ensure_future(self._run(token, future))

    async def _run(self, token: str, future: asyncio.Future) -> None:
        try:
            looked = await anyio.to_thread.run_sync(self._lookup, token)
        except BaseException as err:  # noqa: BLE001 - database down etc.: every waiter gets it
            if not future.done():
                future.set_exception(err)
            return
        if not future.done():
            future.set_result(looked)

    def _lookup(self, token: str) -> _Looked:
        try:
            return _Looked(self.tokens.lookup(token), None)
        except TokenRefused as err:
            return _Looked(None, err)
