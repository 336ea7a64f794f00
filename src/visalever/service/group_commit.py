"""Group commit: the decisions that arrive together are recorded in ONE write transaction.

Why: on SQLite the BEGIN IMMEDIATE + COMMIT pair, on PostgreSQL the round trips and the commit's WAL
flush while the audit-head row is locked, cost more than everything else a decision does. Every
guarantee of `decisions.decide_and_record` holds for each decision of a batch: they are applied one
after another under the locks (each sees the quota, audit head and idempotency keys left by the
previous one, so caps never over-issue and a key repeated inside a batch replays), a rejected request
(401/403 for its token, 409, 422) leaves nothing behind, and no answer is released before the COMMIT.

- SQLite (`DecisionBatcher`): the batch runs on the event loop, each decision in a SAVEPOINT under one
  BEGIN IMMEDIATE; every request whose body was read in the same loop turn joins it.
- PostgreSQL (`PgGroupCommit`): the batch also runs on the event loop, through the process's own
  psycopg `AsyncConnection`, in two pipelined round trips whatever its size. No worker thread: a
  thread waiting for the database had to win the GIL back from the busy event loop after every round
  trip (up to the 5 ms switch interval each), which was most of a decision's latency. The caller's
  token is read in the batch's first round trip, inside the transaction that records the decision
  (a revoked or expired token is refused at once, with no round trip of its own).
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException
from sqlalchemy import Engine

from visalever.errors import InputError
from visalever.service import audit, idempotency, metrics
from visalever.service.auth import authorize
from visalever.service.canonical import canonical_json_fast, now_iso
from visalever.service.db import (
    Tx,
    committed,
    database_unreachable,
    is_transient,
    note_database_down,
    read_tx,
    write_tx,
)
from visalever.service.decisions import (
    MAX_ATTEMPTS,
    PATH,
    decide_and_record,
    finish,
    mark_exhausted,
    record_sqlite,
)
from visalever.service.errors import Conflict, ServiceError
from visalever.service.runtime import DesignationsMoved, PolicyRuntime
from visalever.service.schemas import DecisionRequest
from visalever.service.tokens import BATCH_LOOKUP_SQL, hash_token

MAX_BATCH = 64
GATHER_S = 0.004


@dataclass(frozen=True, slots=True)
class BearerToken:
    """A caller whose token is checked inside the batch's own transaction (PostgreSQL)."""

    token: str
    digest: str

    @classmethod
    def of(cls, token: str) -> BearerToken:
        return cls(token, hash_token(token))


# (request, idempotency key, caller); the caller is the token_id of an already authorised caller (or
# None), or a `BearerToken` still to check.
Item = tuple[DecisionRequest, str | None, Any]
_Prepared = tuple[DecisionRequest, str, str | None, str, Any]  # req, request text, key, fingerprint, caller


def _prepare(items: list[Item]) -> list[_Prepared]:
    prepared: list[_Prepared] = []
    for req, key, caller in items:
        request_text = canonical_json_fast(req.model_dump(mode="json"))
        prepared.append((req, request_text, key, idempotency.fingerprint_text("POST", PATH, request_text),
                         caller))
    return prepared


def record_batch(engine: Engine, runtime: PolicyRuntime, items: list[Item], tokens: Any = None) -> list[Any]:
    """Decide and record `items` (request, idempotency key, caller) in one transaction; returns per item
    (status, body text) or the exception to raise for it.

    The synchronous entry point (tests, tools): SQLite runs the batch here; PostgreSQL runs it with a
    `PgGroupCommit` on a private event loop and a connection of its own."""
    if engine.dialect.name != "sqlite":

        async def once() -> list[Any]:
            group = PgGroupCommit(engine, runtime, tokens)
            try:
                return await group.record(items)
            finally:
                await group.aclose()

        return asyncio.run(once())
    metrics.observe_batch(len(items))
    if len(items) == 1:
        return [_one(engine, runtime, *items[0])]
    prepared = _prepare(items)
    for attempt in range(MAX_ATTEMPTS):
        try:
            with write_tx(engine) as tx:
                return _batch_sqlite(tx, runtime, prepared)
        except Exception as err:
            if attempt + 1 < MAX_ATTEMPTS and is_transient(engine, err):
                time.sleep(0.001 * (attempt + 1))
                continue
            break
    return [_one(engine, runtime, *item) for item in items]


def _batch_sqlite(tx: Tx, runtime: PolicyRuntime, prepared: list[_Prepared]) -> list[Any]:
    """SQLite: each decision in its own SAVEPOINT under the one BEGIN IMMEDIATE."""
    results: list[Any] = []
    cur = tx.cursor
    for req, request_text, key, fp, token_id in prepared:
        cur.execute("SAVEPOINT decision")
        head, counted = tx.head, len(tx.outcomes or ())
        try:
            results.append(record_sqlite(tx, runtime, req, request_text, key, fp, token_id))
        except (ServiceError, InputError) as err:
            cur.execute("ROLLBACK TO decision")
            tx.head = head
            if tx.outcomes:
                del tx.outcomes[counted:]
            results.append(err)
        cur.execute("RELEASE decision")
    return results


def _one(engine: Engine, runtime: PolicyRuntime, req: DecisionRequest, key: str | None,
         token_id: str | None) -> Any:
    try:
        return decide_and_record(engine, runtime, req, key, token_id)
    except Exception as err:  # handed to the request's own handler, which maps it to a response
        return err


class _Queue(abc.ABC):
    """Requests waiting for their batch: `submit` queues one and awaits its answer; each backend's
    batcher says in `_arrived` how a queued request starts or wakes its batching."""

    _pending: list[tuple[Item, asyncio.Future]]

    async def submit(self, req: DecisionRequest, key: str | None, caller: Any) -> tuple[int, str]:
        """Queue one decision; returns (status, body text) after its batch committed, or raises."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        self._pending.append(((req, key, caller), future))
        self._arrived(loop)
        return await future

    @abc.abstractmethod
    def _arrived(self, loop: asyncio.AbstractEventLoop) -> None:
        """A request was queued: start or wake the batching."""


class DecisionBatcher(_Queue):
    """SQLite: collects the decisions of one event-loop turn and records them in one transaction.

    A request appends itself and awaits its future; the first request of a turn schedules `_flush`
    with `call_soon`, so every request whose body was read in the same turn joins the batch. No
    timer: a lone request is recorded immediately. On SIGTERM uvicorn waits for in-flight requests,
    and so for their batch, before the process exits.
    """

    def __init__(self, engine: Engine, runtime: PolicyRuntime) -> None:
        self._engine = engine
        self._runtime = runtime
        self._pending: list[tuple[Item, asyncio.Future]] = []
        self._scheduled = False

    def _arrived(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)

    def _flush(self) -> None:
        batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        if self._pending:
            asyncio.get_running_loop().call_soon(self._flush)
        else:
            self._scheduled = False
        try:
            outcomes = record_batch(self._engine, self._runtime, [item for item, _ in batch])
        except BaseException as err:  # never leave a request waiting forever
            outcomes = [err] * len(batch)
        _settle(batch, outcomes)


def _settle(batch: list[tuple[Any, asyncio.Future]], outcomes: list[Any]) -> None:
    """Hand each request its answer or its exception."""
    for (_, future), outcome in zip(batch, outcomes, strict=True):
        if future.done():
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


# --- PostgreSQL ----------------------------------------------------------------------------------------

_PG_KEYS_SQL = ("SELECT idem_key, fingerprint, status_code, response, "
                "(SELECT value FROM counters WHERE name = 'designations') FROM idempotency_keys "
                "WHERE idem_key = ANY(%s::text[]) "
                "UNION ALL SELECT NULL, NULL, NULL, NULL, value FROM counters WHERE name = 'designations'")
_PG_LOCK_QUOTAS_SQL = ("SELECT quota_id, nationality, category, start_date, end_date, quota_limit, used "
                       "FROM quotas WHERE nationality = ANY(%s::text[]) AND category = ANY(%s::text[]) "
                       "ORDER BY quota_id FOR UPDATE")
_PG_LOCK_HEAD_SQL = "SELECT value, text_value FROM counters WHERE name = 'audit_head' FOR UPDATE"
# The whole batch in ONE statement (arrays unnested server-side): decision rows, audit entries, the
# quota units granted (counted per quota) and the idempotency keys, then the chain head. One statement
# is atomic; a refused item (401, 403, 409, 422) is simply not in the arrays, so no savepoint is
# needed. Arrays go in binary (%b): no quoting of the JSON texts, which the text format escapes.
_PG_BATCH_SQL = (
    "WITH d AS (INSERT INTO decisions (decision_id, application_id, nationality, category, application_date, "
    "outcome, quota_id, policy_id, policy_revision, idempotency_key, token_id, created_at, body) "
    "SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[], %b::date[], %b::text[], "
    "%b::text[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[])), "
    "a AS (INSERT INTO audit_log (seq, recorded_at, kind, subject, actor, payload, prev_hash, entry_hash) "
    "SELECT s, r, 'decision', j, t, p, h, e FROM unnest(%b::bigint[], %b::text[], %b::text[], %b::text[], "
    "%b::text[], %b::text[], %b::text[]) AS x(s, r, j, t, p, h, e)), "
    "q AS (UPDATE quotas SET used = used + g.n FROM (SELECT quota_id, count(*) AS n "
    "FROM unnest(%b::text[]) AS y(quota_id) GROUP BY quota_id) g WHERE quotas.quota_id = g.quota_id), "
    "k AS (INSERT INTO idempotency_keys (idem_key, fingerprint, status_code, response, created_at) "
    "SELECT k, f, 200, b, c FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[]) AS z(k, f, b, c)) "
    "UPDATE counters SET value = %s, text_value = %s WHERE name = 'audit_head'"
)
_REUSED = "Idempotency-Key: this key was already used with a different request body"


class _StaleDesignations(Exception):
    """The designations changed since this process last loaded them: decide the batch again."""


class _TokenRow:
    """A token row read in the batch, in the shape `authorize` asks for (`lookup`)."""

    __slots__ = ("store", "row")

    def __init__(self, store: Any, row: tuple[Any, ...] | None) -> None:
        self.store = store
        self.row = row

    def lookup(self, _token: str) -> Any:
        return self.store.check_row(self.row)


@dataclass
class _Plan:
    """What one batch writes (column arrays) and answers (per item)."""

    results: list[Any]
    decisions: list[list[Any]]  # 13 columns
    entries: list[list[Any]]  # 7 audit_log columns
    grants: list[str]  # quota_id per unit granted
    keyed: list[list[Any]]  # 4 idempotency_keys columns
    head: tuple[int, str]
    outcomes: list[str]


def plan_batch(prepared: list[_Prepared], decided: list[Any], callers: list[Any],
               stored_keys: dict[str, tuple[Any, ...]], quota_rows: list[tuple[Any, ...]],
               head: tuple[int, str]) -> _Plan:
    """The batch applied in memory, one item after another, on the rows read under the locks.

    `callers[i]` is the token_id (or None) the decision is recorded for, or the 401/403 to answer;
    `decided[i]` the engine's decision or the error to answer. Refuses or replays reused keys, takes
    quota units (a cap is never passed: the rows are locked and `used` is counted here), chains the
    audit entries from `head`. Pure: no I/O."""
    quotas_by_pair: dict[tuple[str, str], list[list[Any]]] = {}
    for row in quota_rows:
        quotas_by_pair.setdefault((row[1], row[2]), []).append(list(row))
    results: list[Any] = [None] * len(prepared)
    claimed: dict[str, tuple[str, int]] = {}  # key -> (fingerprint, index of its first use here)
    seq, prev = int(head[0]), head[1]
    plan = _Plan(results, [[] for _ in range(13)], [[] for _ in range(7)], [], [[] for _ in range(4)],
                 (seq, prev), [])
    for i, (req, request_text, key, fp, _caller) in enumerate(prepared):
        token_id = callers[i]
        if isinstance(token_id, BaseException):  # the token comes first, as on every route
            results[i] = token_id
            continue
        if key is not None:
            seen = stored_keys.get(key)
            if seen is not None:
                results[i] = Conflict(_REUSED) if seen[1] != fp else (int(seen[2]), seen[3])
                continue
            first = claimed.get(key)
            if first is not None:  # the same key earlier in this batch
                results[i] = Conflict(_REUSED) if first[0] != fp else results[first[1]]
                continue
        decision = decided[i]
        if not isinstance(decision, dict):
            results[i] = decision
            continue
        if key is not None:
            claimed[key] = (fp, i)
        quota_id = granted = None
        quota_info = None
        if decision["outcome"] == "proceed":  # only `proceed` may consume a quota unit
            day = req.application_date
            for q in quotas_by_pair.get((req.nationality, req.category), ()):
                if q[3] <= day <= q[4]:
                    quota_id, limit, used = q[0], int(q[5]), int(q[6])
                    if used < limit:
                        q[6] = used + 1
                        granted = quota_id
                        quota_info = {"quota_id": quota_id, "limit": limit, "used": used + 1,
                                      "remaining": limit - used - 1}
                    else:
                        quota_info = {"quota_id": quota_id, "limit": limit, "used": used, "remaining": 0}
                        mark_exhausted(decision, req, quota_id, quota_info)
                    break
        decision_id, body_text, payload_text = finish(decision, req, request_text, key, quota_info)
        policy = decision["policy"]
        now = now_iso()
        seq += 1
        digest = audit.entry_hash(prev, seq, now, "decision", decision_id, token_id, payload_text)
        row = (decision_id, req.application_id, req.nationality, req.category, req.application_date,
               decision["outcome"], quota_id, policy["id"], policy["revision"], key, token_id, now, body_text)
        for col, value in zip(plan.decisions, row, strict=True):
            col.append(value)
        for col, value in zip(plan.entries, (seq, now, decision_id, token_id, payload_text, prev, digest),
                              strict=True):
            col.append(value)
        if granted is not None:
            plan.grants.append(granted)
        if key is not None:
            for col, value in zip(plan.keyed, (key, fp, body_text, now), strict=True):
                col.append(value)
        prev = digest
        results[i] = (200, body_text)
        plan.outcomes.append(decision["outcome"])
    plan.head = (seq, prev)
    return plan


def _caller(caller: Any, token_rows: dict[str, tuple[Any, ...]], tokens: Any) -> Any:
    """The token_id to record, or the 401/403 exception for a token checked in this batch."""
    if not isinstance(caller, BearerToken):
        return caller
    try:
        return authorize(_TokenRow(tokens, token_rows.get(caller.digest)), caller.token,
                         "decisions.create").token_id
    except HTTPException as err:
        return err


class PgGroupCommit(_Queue):
    """PostgreSQL: one batch at a time on the event loop, through one `AsyncConnection` per process.

    A request appends itself and awaits its future; the first one starts a drain task, which records
    up to `MAX_BATCH` waiting requests per transaction until none wait. Everything that arrives while
    a batch is in the database forms the next one. Right after a batch, while fewer requests wait than
    it carried, the next one waits up to `GATHER_S` for them; a lone request on a quiet service is
    recorded at once.
    """

    def __init__(self, engine: Engine, runtime: PolicyRuntime, tokens: Any = None) -> None:
        self._engine = engine
        self._runtime = runtime
        self._tokens = tokens
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._conn: Any = None
        self._reused = self._commit_sent = False
        self._pending: list[tuple[Item, asyncio.Future]] = []
        self._draining = False
        self._gathered: asyncio.Future | None = None
        self._expect, self._last_end = 0, 0.0  # size and end (loop time) of the last batch

    def _arrived(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self._draining:
            self._draining = True
            loop.create_task(self._drain())
        elif self._gathered is not None and len(self._pending) >= self._expect and not self._gathered.done():
            self._gathered.set_result(None)

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                if len(self._pending) < self._expect and loop.time() - self._last_end < GATHER_S:
                    # The callers answered by the last batch are sending their next requests: give
                    # them up to GATHER_S to join this batch. A batch holds the audit-head lock for two
                    # round trips whatever its size, so with several processes a batch of one taken
                    # the moment the first request is back made every other wait a whole turn.
                    self._gathered = loop.create_future()
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self._gathered, GATHER_S)
                    self._gathered = None
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                try:
                    outcomes = await self.record([item for item, _ in batch])
                except BaseException as err:  # never leave a request waiting forever
                    outcomes = [err] * len(batch)
                _settle(batch, outcomes)
                self._expect, self._last_end = len(batch), loop.time()
        finally:
            self._draining = False

    async def aclose(self) -> None:
        """Close the connection (tests, tools; a server process simply exits)."""
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None

    async def record(self, items: list[Item]) -> list[Any]:
        """One batch with retries: per item (status, body text) or the exception to raise for it.

        A transient conflict retries the whole batch; an unreachable database fails every item (503);
        any other failure of the batch as a whole records each item in a transaction of its own."""
        metrics.observe_batch(len(items))
        prepared = _prepare(items)
        reconnected = False
        for attempt in range(MAX_ATTEMPTS):
            self._reused = self._conn is not None and not self._conn.closed
            self._commit_sent = False
            try:
                return await self._attempt(prepared)
            except _StaleDesignations:
                continue
            except Exception as err:
                unreachable = database_unreachable(err)
                await self._abandon(unreachable)
                if unreachable and self._reused and not self._commit_sent and not reconnected:
                    # a connection that died while idle (the database restarted since): nothing was
                    # committed, so try once more on a fresh one before answering 503
                    reconnected = True
                    continue
                if unreachable:
                    note_database_down(err)
                    return [err] * len(items)
                if attempt + 1 < MAX_ATTEMPTS and is_transient(self._engine, err):
                    await asyncio.sleep(0.001 * (attempt + 1))
                    continue
                if len(items) == 1:
                    return [err]
                break
        return [(await self.record([item]))[0] for item in items]

    async def _connection(self) -> Any:
        if self._conn is None or self._conn.closed:
            import psycopg

            # Every statement of a batch is a primary-key or index probe. psycopg prepares a statement
            # on its 5th use and PostgreSQL then keeps a generic plan made with the statistics of that
            # moment: on a new database (empty tables) that plan scanned idempotency_keys in full, and
            # kept doing so as the table grew until autovacuum's next ANALYZE (a minute or more; most
            # of a decision's database time). Seq scans off on this connection keep the index plans.
            # (SET, not a connection `options` string, which would replace one given in the URL.)
            conn = await psycopg.AsyncConnection.connect(self._conninfo, connect_timeout=5, autocommit=True)
            await conn.execute("SET enable_seqscan = off")
            await conn.set_autocommit(False)
            self._conn = conn
        return self._conn

    async def _abandon(self, drop: bool) -> None:
        """Roll back after a failed attempt; drop the connection when it is (or may be) dead."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if not drop:
            try:
                await conn.rollback()
                self._conn = conn
                return
            except Exception:  # noqa: BLE001 - a connection that cannot roll back is replaced
                pass
        with contextlib.suppress(Exception):
            await conn.close()

    async def _load_designations(self) -> None:
        """Load the stored designations (a blocking read: done in a thread, rarely)."""
        def load() -> None:
            with read_tx(self._engine) as tx:
                self._runtime.designations_for(tx)

        await asyncio.to_thread(load)

    async def _attempt(self, prepared: list[_Prepared]) -> list[Any]:
        """Two pipelined round trips plus the commit's WAL flush, whatever the batch size.

        1. Decide every item with the designations this process applies (outside any lock).
        2. ONE pipeline: BEGIN, the idempotency keys of the batch and the designations version, the
           callers' tokens, the quota rows of the pairs that proceed (FOR UPDATE, in quota_id order)
           and the audit head (FOR UPDATE): quota rows before the head, as on every write path, so
           processes queue instead of deadlocking. A moved designations version decides again.
        3. `plan_batch` in memory; 4. ONE pipeline: the batch statement and COMMIT.
        """
        runtime = self._runtime
        if runtime.designations_version is None:
            await self._load_designations()
        version = runtime.designations_version
        decided: list[Any] = []
        for req, *_ in prepared:
            try:
                decided.append(runtime.decide(None, req, version))
            except (ServiceError, InputError) as err:
                decided.append(err)
            except DesignationsMoved:  # another request of this process loaded newer ones meanwhile
                await self._load_designations()
                raise _StaleDesignations() from None
        keys = [p[2] for p in prepared if p[2] is not None]
        digests = sorted({p[4].digest for p in prepared if isinstance(p[4], BearerToken)})
        pairs = {(prepared[i][0].nationality, prepared[i][0].category) for i, d in enumerate(decided)
                 if isinstance(d, dict) and d["outcome"] == "proceed"}
        conn = await self._connection()
        keys_cur, tokens_cur, quota_cur, head_cur = conn.cursor(), conn.cursor(), conn.cursor(), conn.cursor()
        async with conn.pipeline():
            await keys_cur.execute(_PG_KEYS_SQL, (keys,))
            if digests:
                await tokens_cur.execute(BATCH_LOOKUP_SQL, (digests,))
            if pairs:
                await quota_cur.execute(_PG_LOCK_QUOTAS_SQL, (sorted({p[0] for p in pairs}),
                                                              sorted({p[1] for p in pairs})))
            await head_cur.execute(_PG_LOCK_HEAD_SQL)
        stored: dict[str, tuple[Any, ...]] = {}
        for row in await keys_cur.fetchall():
            if row[0] is None:
                if int(row[4]) != version:
                    await conn.rollback()
                    await self._load_designations()
                    raise _StaleDesignations()
            else:
                stored[row[0]] = row
        token_rows = {row[0]: row[1:] for row in await tokens_cur.fetchall()} if digests else {}
        quota_rows = await quota_cur.fetchall() if pairs else []
        head = await head_cur.fetchone()
        callers = [_caller(p[4], token_rows, self._tokens) for p in prepared]
        plan = plan_batch(prepared, decided, callers, stored, quota_rows, head)
        self._commit_sent = True  # from here a lost connection leaves the outcome unknown: no retry
        async with conn.pipeline():
            if plan.decisions[0]:
                await conn.cursor().execute(_PG_BATCH_SQL, (*plan.decisions, *plan.entries, plan.grants,
                                                            *plan.keyed, *plan.head))
            await conn.commit()
        done = Tx(None, "postgresql")
        done.head = plan.head if plan.decisions[0] else None
        done.outcomes = plan.outcomes
        committed(done)
        return plan.results
