"""Decide one application and record it: quota, decision row, audit entry and idempotency key in ONE
transaction, so a crash leaves either all of them or none, and a cap can never over-issue.

Lock order (identical in every write path, hence no deadlocks on PostgreSQL): idempotency key
lookup, designations version, quota row FOR UPDATE, audit chain head FOR UPDATE.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from typing import Any

from sqlalchemy import Engine

from visalever.errors import InputError
from visalever.service import audit, idempotency, metrics, quotas
from visalever.service.canonical import canonical_json_fast, now_iso
from visalever.service.db import Tx, database_unreachable, is_transient, write_tx
from visalever.service.errors import Conflict, NotFound, ServiceError
from visalever.service.runtime import PolicyRuntime
from visalever.service.schemas import DecisionRequest

_INSERT_SQL = (
    "INSERT INTO decisions (decision_id, application_id, nationality, category, application_date, outcome, "
    "quota_id, policy_id, policy_revision, idempotency_key, token_id, created_at, body) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
PATH = "/v1/decisions"
MAX_ATTEMPTS = 8


# SQLite: everything the decision needs to read, in ONE statement under BEGIN IMMEDIATE (the write lock
# is already held, so nothing can change between this read and the writes): designations version,
# audit chain head, the idempotency record of the key, and the quota matching the application.
_SQLITE_READ_SQL = (
    "SELECT (SELECT value FROM counters WHERE name = 'designations'), h.value, h.text_value, "
    "k.fingerprint, k.status_code, k.response, q.quota_id, q.quota_limit, q.used "
    "FROM counters h "
    "LEFT JOIN idempotency_keys k ON k.idem_key = ? "
    "LEFT JOIN quotas q ON q.nationality = ? AND q.category = ? AND q.start_date <= ? AND q.end_date >= ? "
    "WHERE h.name = 'audit_head'"
)
_SQLITE_CONSUME_SQL = "UPDATE quotas SET used = used + 1 WHERE quota_id = ? AND used < quota_limit"
_SQLITE_AUDIT_SQL = ("INSERT INTO audit_log (seq, recorded_at, kind, subject, actor, payload, prev_hash, "
                     "entry_hash) VALUES (?, ?, 'decision', ?, ?, ?, ?, ?)")
_SQLITE_HEAD_SQL = "UPDATE counters SET value = ?, text_value = ? WHERE name = 'audit_head'"
_KEY_SQL = ("INSERT INTO idempotency_keys (idem_key, fingerprint, status_code, response, created_at) "
            "VALUES (?, ?, 200, ?, ?)")


def new_decision_id() -> str:
    """`dec_` + 32 hex digits: 16 of nanosecond time, then 16 random (64 bits from the OS).

    Time-ordered so that each new decision lands at the right-hand end of the primary-key index
    (the same few pages stay hot in the cache and in the WAL) instead of on a random page."""
    return f"dec_{time.time_ns():016x}{secrets.token_hex(8)}"


def _exhausted(decision: dict[str, Any], req: DecisionRequest, quota_id: str, quota_info: dict) -> None:
    """Turn a decision that would proceed into `quota_exhausted`, naming the cap."""
    decision["outcome"] = "quota_exhausted"
    decision["reasons"] = [*decision["reasons"], {
        "measure": "quota", "source": f"quota:{quota_id}",
        "legal_reference": None, "evidence": f"used {quota_info['used']} of {quota_info['limit']}",
        "text": f"The cap {quota_id!r} for {req.nationality} {req.category} applications "
                "is fully used.",
    }]
    decision["earliest_decision_date"] = decision["decision_due_by"] = None


def _finish(decision: dict[str, Any], req: DecisionRequest, request_text: str, key: str | None,
            quota_info: dict | None) -> tuple[str, str, str]:
    """Fill in ids and ledger; returns (decision_id, response body text, audit payload text)."""
    decision_id = new_decision_id()
    decision["decision_id"] = decision_id
    decision["application_id"] = req.application_id
    decision["quota_ledger"] = quota_info or None
    body_text = canonical_json_fast(decision)
    # canonical JSON of {"decision": ..., "idempotency_key": ..., "input": ...} built from texts we have
    payload_text = (f'{{"decision":{body_text},"idempotency_key":{json.dumps(key, ensure_ascii=False)},'
                    f'"input":{request_text}}}')
    return decision_id, body_text, payload_text


def _record_sqlite(tx: Tx, runtime: PolicyRuntime, req: DecisionRequest, request_text: str, key: str | None,
                   fp: str, token_id: str | None) -> tuple[int, str]:
    """SQLite: one read statement, then only the writes (quota unit, decision, audit entry, head, key)."""
    day = req.application_date.isoformat()
    (version, head_seq, head_hash, seen_fp, seen_status, seen_body, quota_id, limit,
     used) = tx.first(_SQLITE_READ_SQL, (key, req.nationality, req.category, day, day))  # type: ignore[misc]
    if seen_fp is not None:
        if seen_fp != fp:
            raise Conflict("Idempotency-Key: this key was already used with a different request body")
        return int(seen_status), seen_body
    decision = runtime.decide(tx, req, version)
    quota_info = None
    if decision["outcome"] != "proceed":
        quota_id = None
    elif quota_id is not None:
        limit, used = int(limit), int(used)
        if used < limit and tx.run(_SQLITE_CONSUME_SQL, (quota_id,)) == 1:
            quota_info = {"quota_id": quota_id, "limit": limit, "used": used + 1,
                          "remaining": limit - used - 1}
        else:
            quota_info = {"quota_id": quota_id, "limit": limit, "used": used, "remaining": 0}
            _exhausted(decision, req, quota_id, quota_info)
    decision_id, body_text, payload_text = _finish(decision, req, request_text, key, quota_info)
    policy = decision["policy"]
    now = now_iso()
    tx.run(_INSERT_SQL, (decision_id, req.application_id, req.nationality, req.category, day,
                         decision["outcome"], quota_id, policy["id"], policy["revision"], key, token_id, now,
                         body_text))
    seq = int(head_seq) + 1
    digest = audit.entry_hash(head_hash, seq, now, "decision", decision_id, token_id, payload_text)
    tx.run(_SQLITE_AUDIT_SQL, (seq, now, decision_id, token_id, payload_text, head_hash, digest))
    tx.run(_SQLITE_HEAD_SQL, (seq, digest))
    if key is not None:
        tx.run(_KEY_SQL, (key, fp, body_text, now))
    tx.head = (seq, digest)
    _note_outcome(tx, decision["outcome"])
    return 200, body_text


def _record(tx: Tx, runtime: PolicyRuntime, req: DecisionRequest, request_text: str, key: str | None, fp: str,
            token_id: str | None) -> tuple[int, str]:
    if tx.dialect != "postgresql":
        return _record_sqlite(tx, runtime, req, request_text, key, fp, token_id)
    if key is not None:
        seen = idempotency.replay(tx, key, fp)
        if seen is not None:
            return seen[0], seen[2]
    decision = runtime.decide(tx, req)
    quota_info = None
    quota_id = None
    if decision["outcome"] == "proceed":
        quota_id, granted, quota_info = quotas.consume(tx, req.nationality, req.category,
                                                       req.application_date)
        if quota_id is not None and not granted:
            _exhausted(decision, req, quota_id, quota_info)
    decision_id, body_text, payload_text = _finish(decision, req, request_text, key, quota_info)
    policy = decision["policy"]
    now = now_iso()
    decision_row = (decision_id, req.application_id, req.nationality, req.category,
                    tx.date(req.application_date), decision["outcome"], quota_id, policy["id"],
                    policy["revision"], key, token_id, now, body_text)
    _write_pg(tx, decision_row, payload_text, key, fp, body_text, now, token_id)
    _note_outcome(tx, decision["outcome"])
    return 200, body_text


_PG_HEAD_SQL = ("UPDATE counters SET value = value + 1 WHERE name = 'audit_head' "
                "RETURNING value, text_value")
_PG_WRITE_SQL = (
    "WITH d AS (" + _INSERT_SQL + "), "
    "a AS (INSERT INTO audit_log (seq, recorded_at, kind, subject, actor, payload, prev_hash, entry_hash) "
    "VALUES (?, ?, 'decision', ?, ?, ?, ?, ?))"
    " UPDATE counters SET text_value = ? WHERE name = 'audit_head'"
)
_PG_WRITE_KEY_SQL = _PG_WRITE_SQL.replace(
    "UPDATE counters", ", i AS (INSERT INTO idempotency_keys (idem_key, fingerprint, status_code, response, "
    "created_at) VALUES (?, ?, 200, ?, ?)) UPDATE counters")


def _write_pg(tx: Tx, decision_row: tuple[Any, ...], payload_text: str, key: str | None, fp: str,
              body_text: str, now: str, token_id: str | None) -> None:
    """PostgreSQL: lock the audit chain head by incrementing it (UPDATE ... RETURNING holds the row lock
    until commit, serialising appends), then write decision, audit entry, idempotency key and the new
    head hash in one data-modifying statement: two round trips while the locks are held, not five."""
    seq, prev = tx.first(_PG_HEAD_SQL)  # type: ignore[misc]
    seq = int(seq)
    decision_id = decision_row[0]
    digest = audit.entry_hash(prev, seq, now, "decision", decision_id, token_id, payload_text)
    params: tuple[Any, ...] = (*decision_row, seq, now, decision_id, token_id, payload_text, prev, digest)
    if key is not None:
        tx.run(_PG_WRITE_KEY_SQL, (*params, key, fp, body_text, now, digest))
    else:
        tx.run(_PG_WRITE_SQL, (*params, digest))
    tx.head = (seq, digest)


def _note_outcome(tx: Tx, outcome: str) -> None:
    """Remember the outcome for the metrics, counted only once the transaction committed."""
    if tx.outcomes is None:
        tx.outcomes = [outcome]
    else:
        tx.outcomes.append(outcome)


def decide_and_record(engine: Engine, runtime: PolicyRuntime, req: DecisionRequest, key: str | None,
                      token_id: str | None) -> tuple[int, str]:
    """Decide and persist atomically, retrying the whole transaction on a transient conflict.

    Returns (status, body as JSON text): a replayed key returns the first answer's exact text.
    """
    request_text = canonical_json_fast(req.model_dump(mode="json"))
    fp = idempotency.fingerprint_text("POST", PATH, request_text)
    for attempt in range(MAX_ATTEMPTS):
        try:
            with write_tx(engine) as tx:
                return _record(tx, runtime, req, request_text, key, fp, token_id)
        except Exception as err:
            if attempt + 1 == MAX_ATTEMPTS or not is_transient(engine, err):
                raise
            time.sleep(0.001 * (attempt + 1))
    raise AssertionError("unreachable")


def get(tx: Tx, decision_id: str) -> str:
    """A recorded decision exactly as it was answered (JSON text)."""
    row = tx.first("SELECT body FROM decisions WHERE decision_id = ?", (decision_id,))
    if row is None:
        raise NotFound(f"decision_id: no decision {decision_id!r}")
    return row[0]


# --- group commit ------------------------------------------------------------------------------------

MAX_BATCH = 64
_Prepared = tuple[DecisionRequest, str, "str | None", str, "str | None"]


def record_batch(engine: Engine, runtime: PolicyRuntime,
                 items: list[tuple[DecisionRequest, str | None, str | None]]) -> list[Any]:
    """Decide and record several decisions in ONE write transaction (one COMMIT, one audit-head update).

    Why: on SQLite the BEGIN IMMEDIATE + COMMIT pair, on PostgreSQL the commit and the wait for the
    audit-head row lock, cost more than everything else a decision does. Every guarantee of
    `decide_and_record` holds: the decisions are applied one after another under the locks (each
    sees the quota, audit head and idempotency keys left by the previous one, so caps never
    over-issue and a key repeated inside a batch replays), a rejected request (409, 422) leaves
    nothing behind, and no answer is released before the COMMIT. Returns, per item, (status, body
    text) or the exception to raise for it. If the batch as a whole fails for a non-transient reason,
    every item is retried in its own transaction (unless the database is unreachable: then all fail).
    """
    metrics.observe_batch(len(items))
    if len(items) == 1 and engine.dialect.name == "sqlite":
        return [_one(engine, runtime, *items[0])]
    prepared: list[_Prepared] = []
    for req, key, token_id in items:
        request_text = canonical_json_fast(req.model_dump(mode="json"))
        prepared.append((req, request_text, key, idempotency.fingerprint_text("POST", PATH, request_text),
                         token_id))
    batch = _batch_sqlite if engine.dialect.name == "sqlite" else _batch_pg
    for attempt in range(MAX_ATTEMPTS):
        try:
            with write_tx(engine) as tx:
                return batch(tx, runtime, prepared)
        except _StaleDesignations:
            continue
        except Exception as err:
            if database_unreachable(err):
                return [err] * len(items)
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
            results.append(_record_sqlite(tx, runtime, req, request_text, key, fp, token_id))
        except (ServiceError, InputError) as err:
            cur.execute("ROLLBACK TO decision")
            tx.head = head
            if tx.outcomes:
                del tx.outcomes[counted:]
            results.append(err)
        cur.execute("RELEASE decision")
    return results


_PG_KEYS_SQL = ("SELECT idem_key, fingerprint, status_code, response, "
                "(SELECT value FROM counters WHERE name = 'designations') FROM idempotency_keys "
                "WHERE idem_key = ANY(?::text[]) "
                "UNION ALL SELECT NULL, NULL, NULL, NULL, value FROM counters WHERE name = 'designations'")
_PG_LOCK_QUOTAS_SQL = ("SELECT quota_id, nationality, category, start_date, end_date, quota_limit, used "
                       "FROM quotas WHERE nationality = ANY(?::text[]) AND category = ANY(?::text[]) "
                       "ORDER BY quota_id FOR UPDATE")
_PG_LOCK_HEAD_SQL = "SELECT value, text_value FROM counters WHERE name = 'audit_head' FOR UPDATE"
# The whole batch in ONE statement (arrays unnested server-side): decision rows, audit entries, the
# quota units granted (counted per quota) and the idempotency keys, then the chain head. One statement
# is atomic; a refused item (409, 422) is simply not in the arrays, so no savepoint is needed.
# psycopg placeholders (%b: binary), not the `?` of Tx.
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


class _StaleDesignations(Exception):
    """The designations changed between deciding and locking: decide the batch again."""


def _batch_pg(tx: Tx, runtime: PolicyRuntime, prepared: list[_Prepared]) -> list[Any]:
    """PostgreSQL in two round trips (plus the commit's WAL flush), whatever the batch size.

    Why: the chain head is one row, so batches commit one after another and throughput is batch
    size / time the head is held; every round trip while it is held costs all waiting clients.
    1. Decide every item outside the locks, with the designations this process applies.
    2. ONE pipeline: BEGIN, the idempotency keys of the batch and the designations version, the
       quota rows of the pairs that proceed (FOR UPDATE, in quota_id order), the audit head (FOR
       UPDATE): always quota rows before the head, as on every write path, so processes queue
       instead of deadlocking. A moved designations version decides the batch again.
    3. In memory, one item after another: replay or refuse reused keys, take quota units (a cap is
       never passed: the rows are locked and `used` is counted here), chain the audit entries.
    4. ONE pipeline: one statement for the whole batch (decision rows, audit entries, quota units,
       keys and the head, from arrays; atomic, so no savepoint is needed: a refused item is not in
       the arrays) and COMMIT.
    """
    version = runtime.designations_version
    decisions_: list[Any] = []
    for req, _text, _key, _fp, _token in prepared:
        try:
            decisions_.append(runtime.decide(tx, req, version))
        except (ServiceError, InputError) as err:
            decisions_.append(err)
    if version is None:
        version = runtime.designations_version
    keys = [p[2] for p in prepared if p[2] is not None]
    pairs = {(prepared[i][0].nationality, prepared[i][0].category) for i, d in enumerate(decisions_)
             if isinstance(d, dict) and d["outcome"] == "proceed"}
    conn = tx.cursor.connection
    keys_cur, quota_cur, head_cur = conn.cursor(), conn.cursor(), conn.cursor()
    with conn.pipeline():
        keys_cur.execute(tx._sql(_PG_KEYS_SQL), (keys,))
        if pairs:
            quota_cur.execute(tx._sql(_PG_LOCK_QUOTAS_SQL), (sorted({p[0] for p in pairs}),
                                                             sorted({p[1] for p in pairs})))
        head_cur.execute(_PG_LOCK_HEAD_SQL)
    stored: dict[str, tuple[Any, ...]] = {}
    for row in keys_cur.fetchall():
        if row[0] is None:
            if int(row[4]) != version:
                runtime.designations_for(tx, int(row[4]))
                raise _StaleDesignations()
        else:
            stored[row[0]] = row
    quotas_by_pair: dict[tuple[str, str], list[list[Any]]] = {}
    for row in quota_cur.fetchall() if pairs else ():
        quotas_by_pair.setdefault((row[1], row[2]), []).append(list(row))
    head_seq, head_hash = head_cur.fetchone()  # type: ignore[misc]
    results: list[Any] = [None] * len(prepared)
    claimed: dict[str, tuple[str, int]] = {}  # key -> (fingerprint, index of its first use here)
    seq, prev = int(head_seq), head_hash
    cols: list[list[Any]] = [[] for _ in range(13)]  # decisions columns
    entries: list[list[Any]] = [[] for _ in range(7)]  # audit_log columns
    grants: list[str] = []
    keyed: list[list[Any]] = [[] for _ in range(4)]  # idempotency_keys columns
    for i, (req, request_text, key, fp, token_id) in enumerate(prepared):
        if key is not None:
            seen = stored.get(key)
            if seen is not None:
                results[i] = (Conflict("Idempotency-Key: this key was already used with a different "
                                       "request body") if seen[1] != fp else (int(seen[2]), seen[3]))
                continue
            first = claimed.get(key)
            if first is not None:  # the same key earlier in this batch
                results[i] = (Conflict("Idempotency-Key: this key was already used with a different "
                                       "request body") if first[0] != fp else results[first[1]])
                continue
        decision = decisions_[i]
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
                        _exhausted(decision, req, quota_id, quota_info)
                    break
        decision_id, body_text, payload_text = _finish(decision, req, request_text, key, quota_info)
        policy = decision["policy"]
        now = now_iso()
        seq += 1
        digest = audit.entry_hash(prev, seq, now, "decision", decision_id, token_id, payload_text)
        row = (decision_id, req.application_id, req.nationality, req.category, req.application_date,
               decision["outcome"], quota_id, policy["id"], policy["revision"], key, token_id, now, body_text)
        for col, value in zip(cols, row, strict=True):
            col.append(value)
        for col, value in zip(entries, (seq, now, decision_id, token_id, payload_text, prev, digest),
                              strict=True):
            col.append(value)
        if granted is not None:
            grants.append(granted)
        if key is not None:
            for col, value in zip(keyed, (key, fp, body_text, now), strict=True):
                col.append(value)
        prev = digest
        results[i] = (200, body_text)
        _note_outcome(tx, decision["outcome"])
    with conn.pipeline():
        if cols[0]:
            # arrays go in binary (%b): no quoting of the JSON texts, which the text format escapes
            tx.cursor.execute(_PG_BATCH_SQL, (*cols, *entries, grants, *keyed, seq, prev))
        conn.commit()
    if cols[0]:
        tx.head = (seq, prev)
    return results


def _one(engine: Engine, runtime: PolicyRuntime, req: DecisionRequest, key: str | None,
         token_id: str | None) -> Any:
    try:
        return decide_and_record(engine, runtime, req, key, token_id)
    except Exception as err:  # handed to the request's own handler, which maps it to a response
        return err


class DecisionBatcher:
    """Collects the decisions that arrive together and records them in one transaction.

    A request appends itself and awaits its future. SQLite (decisions run on the event loop): the
    first request of a turn schedules `_flush` with `call_soon`, so every request whose body was read
    in the same turn joins the batch. PostgreSQL: one batch at a time runs in a worker thread (its
    round trips release the GIL); everything that arrives meanwhile forms the next batch. No timer:
    a lone request is recorded immediately. On SIGTERM uvicorn waits for in-flight requests, and
    so for their batch, before the process exits.
    """

    def __init__(self, engine: Engine, runtime: PolicyRuntime) -> None:
        self._engine = engine
        self._runtime = runtime
        self._pending: list[tuple[tuple[DecisionRequest, str | None, str | None], asyncio.Future]] = []
        self._scheduled = False
        self._threaded = engine.dialect.name != "sqlite"

    async def submit(self, req: DecisionRequest, key: str | None, token_id: str | None) -> tuple[int, str]:
        """Queue one decision; returns (status, body text) after its batch committed, or raises."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        self._pending.append(((req, key, token_id), future))
        if not self._scheduled:
            self._scheduled = True
            if self._threaded:
                loop.create_task(self._drain())
            else:
                loop.call_soon(self._flush)
        return await future

    async def _drain(self) -> None:
        import anyio

        try:
            while self._pending:
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                try:
                    outcomes = await anyio.to_thread.run_sync(
                        record_batch, self._engine, self._runtime, [item for item, _ in batch])
                except BaseException as err:  # never leave a request waiting forever
                    outcomes = [err] * len(batch)
                _settle(batch, outcomes)
        finally:
            self._scheduled = False

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
