"""Decide one application and record it: quota, decision row, audit entry and idempotency key in ONE
transaction, so a crash leaves either all of them or none, and a cap can never over-issue.

Lock order (identical in every write path, hence no deadlocks on PostgreSQL): idempotency key
lookup, designations version, quota row FOR UPDATE, audit chain head FOR UPDATE.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from visalever.service import audit, idempotency, quotas
from visalever.service.clock import canonical_json, now_iso
from visalever.service.db import write_tx
from visalever.service.errors import NotFound
from visalever.service.runtime import PolicyRuntime
from visalever.service.schemas import DecisionRequest

_INSERT_SQL = text(
    "INSERT INTO decisions (decision_id, application_id, nationality, category, application_date, outcome, "
    "quota_id, policy_id, policy_revision, idempotency_key, token_id, created_at, body) "
    "VALUES (:id, :app, :n, :c, :d, :o, :q, :pid, :prev, :k, :tok, :t, :body)"
)
PATH = "/v1/decisions"
MAX_ATTEMPTS = 8


def _transient(err: DBAPIError) -> bool:
    """Errors worth retrying the whole transaction for (a racing duplicate key, a lock timeout)."""
    if isinstance(err, IntegrityError):
        return True
    code = getattr(getattr(err, "orig", None), "sqlstate", None)
    if code in {"40001", "40P01", "55P03"}:  # serialization failure, deadlock, lock not available
        return True
    return isinstance(err, OperationalError) and "locked" in str(err).lower()


def _record(conn: Connection, runtime: PolicyRuntime, req: DecisionRequest, key: str | None, fp: str,
            token_id: str | None) -> tuple[int, dict[str, Any], str]:
    if key is not None:
        seen = idempotency.replay(conn, key, fp)
        if seen is not None:
            return seen[0], seen[1], ""
    decision = runtime.decide(conn, req)
    quota_info = None
    quota_id = None
    if decision["outcome"] == "proceed":
        quota_id, granted, quota_info = quotas.consume(conn, req.nationality, req.category,
                                                       req.application_date)
        if quota_id is not None and not granted:
            decision["outcome"] = "quota_exhausted"
            decision["reasons"] = [*decision.get("reasons", []), {
                "measure": "quota",
                "text": f"the cap {quota_id!r} for {req.nationality} {req.category} is fully used "
                        f"({quota_info['limit']} of {quota_info['limit']})",
                "quota_id": quota_id,
            }]
    decision_id = "dec_" + uuid.uuid4().hex
    body: dict[str, Any] = {"decision_id": decision_id, "application_id": req.application_id, **decision,
                            "quota_ledger": quota_info or None}
    body_text = canonical_json(body)
    conn.execute(_INSERT_SQL, {
        "id": decision_id, "app": req.application_id, "n": req.nationality, "c": req.category,
        "d": req.application_date.isoformat() if conn.dialect.name == "sqlite" else req.application_date,
        "o": body["outcome"], "q": quota_id, "pid": body["policy"]["id"], "prev": body["policy"]["revision"],
        "k": key, "tok": token_id, "t": now_iso(), "body": body_text,
    })
    audit.append(conn, "decision", decision_id, token_id,
                 {"input": req.model_dump(mode="json"), "decision": body, "idempotency_key": key})
    if key is not None:
        idempotency.remember(conn, key, fp, 200, body, body_text)
    return 200, body, body_text


def decide_and_record(engine: Engine, runtime: PolicyRuntime, req: DecisionRequest, key: str | None,
                      token_id: str | None) -> tuple[int, dict[str, Any], str]:
    """Decide and persist atomically, retrying the whole transaction on a transient conflict.

    Returns (status, body, body_text); body_text is empty when the body was replayed from a key.
    """
    fp = idempotency.fingerprint("POST", PATH, req.model_dump(mode="json"))
    for attempt in range(MAX_ATTEMPTS):
        try:
            with write_tx(engine) as conn:
                return _record(conn, runtime, req, key, fp, token_id)
        except DBAPIError as err:
            if attempt + 1 == MAX_ATTEMPTS or not _transient(err):
                raise
            time.sleep(0.001 * (attempt + 1))
    raise AssertionError("unreachable")


def get(conn: Connection, decision_id: str) -> dict[str, Any]:
    """A recorded decision exactly as it was answered."""
    row = conn.execute(text("SELECT body FROM decisions WHERE decision_id = :i"), {"i": decision_id}).first()
    if row is None:
        raise NotFound(f"decision_id: no decision {decision_id!r}")
    return json.loads(row[0])
