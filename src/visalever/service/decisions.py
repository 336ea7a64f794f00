"""Decide one application and record it: quota, decision row, audit entry and idempotency key in ONE
transaction, so a crash leaves either all of them or none, and a cap can never over-issue.

Lock order (identical in every write path, hence no deadlocks on PostgreSQL): idempotency key
lookup, designations version, quota row FOR UPDATE, audit chain head FOR UPDATE.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from sqlalchemy import Engine

from visalever.service import audit, idempotency, quotas
from visalever.service.canonical import canonical_json_fast, now_iso
from visalever.service.db import Tx, is_transient, write_tx
from visalever.service.errors import Conflict, NotFound
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


def mark_exhausted(decision: dict[str, Any], req: DecisionRequest, quota_id: str, quota_info: dict) -> None:
    """Turn a decision that would proceed into `quota_exhausted`, naming the cap."""
    decision["outcome"] = "quota_exhausted"
    decision["reasons"] = [*decision["reasons"], {
        "measure": "quota", "source": f"quota:{quota_id}",
        "legal_reference": None, "evidence": f"used {quota_info['used']} of {quota_info['limit']}",
        "text": f"The cap {quota_id!r} for {req.nationality} {req.category} applications "
                "is fully used.",
    }]
    decision["earliest_decision_date"] = decision["decision_due_by"] = None


def finish(decision: dict[str, Any], req: DecisionRequest, request_text: str, key: str | None,
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


def record_sqlite(tx: Tx, runtime: PolicyRuntime, req: DecisionRequest, request_text: str, key: str | None,
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
            mark_exhausted(decision, req, quota_id, quota_info)
    decision_id, body_text, payload_text = finish(decision, req, request_text, key, quota_info)
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
        return record_sqlite(tx, runtime, req, request_text, key, fp, token_id)
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
            mark_exhausted(decision, req, quota_id, quota_info)
    decision_id, body_text, payload_text = finish(decision, req, request_text, key, quota_info)
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
