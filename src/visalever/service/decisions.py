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

from sqlalchemy import Engine

from visalever.service import audit, idempotency, quotas
from visalever.service.clock import canonical_json, now_iso
from visalever.service.db import Tx, is_transient, write_tx
from visalever.service.errors import NotFound
from visalever.service.runtime import PolicyRuntime
from visalever.service.schemas import DecisionRequest

_INSERT_SQL = (
    "INSERT INTO decisions (decision_id, application_id, nationality, category, application_date, outcome, "
    "quota_id, policy_id, policy_revision, idempotency_key, token_id, created_at, body) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
PATH = "/v1/decisions"
MAX_ATTEMPTS = 8


def _record(tx: Tx, runtime: PolicyRuntime, req: DecisionRequest, request_text: str, key: str | None, fp: str,
            token_id: str | None) -> tuple[int, str]:
    if key is not None:
        seen = idempotency.replay(tx, key, fp)
        if seen is not None:
            return seen[0], seen[2]
    decision = runtime.decide(tx, req)
    quota_info = None
    quota_id = None
    if decision["outcome"] == "proceed":
        quota_id, granted, quota_info = quotas.consume(tx, req.nationality, req.category, req.application_date)
        if quota_id is not None and not granted:
            decision["outcome"] = "quota_exhausted"
            decision["reasons"] = [*decision["reasons"], {
                "measure": "quota", "source": f"quota:{quota_id}",
                "legal_reference": None, "evidence": f"used {quota_info['used']} of {quota_info['limit']}",
                "text": f"The cap {quota_id!r} for {req.nationality} {req.category} applications is fully used.",
            }]
            decision["earliest_decision_date"] = decision["decision_due_by"] = None
    decision_id = "dec_" + uuid.uuid4().hex
    decision["decision_id"] = decision_id
    decision["application_id"] = req.application_id
    decision["quota_ledger"] = quota_info or None
    body_text = canonical_json(decision)
    policy = decision["policy"]
    tx.run(_INSERT_SQL, (decision_id, req.application_id, req.nationality, req.category,
                         tx.date(req.application_date), decision["outcome"], quota_id, policy["id"],
                         policy["revision"], key, token_id, now_iso(), body_text))
    # canonical JSON of {"decision": ..., "idempotency_key": ..., "input": ...} built from texts we have
    payload_text = (f'{{"decision":{body_text},"idempotency_key":{json.dumps(key, ensure_ascii=False)},'
                    f'"input":{request_text}}}')
    audit.append(tx, "decision", decision_id, token_id, payload_text=payload_text)
    if key is not None:
        idempotency.remember(tx, key, fp, 200, None, body_text)
    return 200, body_text


def decide_and_record(engine: Engine, runtime: PolicyRuntime, req: DecisionRequest, key: str | None,
                      token_id: str | None) -> tuple[int, str]:
    """Decide and persist atomically, retrying the whole transaction on a transient conflict.

    Returns (status, body as JSON text): a replayed key returns the first answer's exact text.
    """
    request_text = canonical_json(req.model_dump(mode="json"))
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
