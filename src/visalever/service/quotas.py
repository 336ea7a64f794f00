"""Caps on decisions that proceed: a ledger row per quota, consumed inside the decision transaction.

A quota covers one nationality and category over an inclusive date range; overlapping quotas for the
same pair are refused at creation so that exactly one row decides whether an application fits. The
row is locked (`SELECT ... FOR UPDATE` on PostgreSQL; `BEGIN IMMEDIATE` already serialises SQLite)
before `used` is compared with `limit`, and a CHECK constraint backs the invariant used <= limit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from visalever.service import audit
from visalever.service.canonical import now_iso
from visalever.service.db import Tx
from visalever.service.errors import Conflict, NotFound
from visalever.service.schemas import QuotaRequest

_MATCH_SQL = ("SELECT quota_id, quota_limit, used FROM quotas WHERE nationality = ? AND category = ? "
              "AND start_date <= ? AND end_date >= ?")
_CONSUME_SQL = "UPDATE quotas SET used = used + 1 WHERE quota_id = ? AND used < quota_limit"
_PG_TAKE_SQL = ("UPDATE quotas SET used = used + 1 WHERE nationality = ? AND category = ? "
                "AND start_date <= ? AND end_date >= ? AND used < quota_limit "
                "RETURNING quota_id, quota_limit, used")
_COLUMNS = "quota_id, nationality, category, start_date, end_date, quota_limit, used"


def consume(tx: Tx, nationality: str, category: str, on: date) -> tuple[str | None, bool, dict]:
    """Lock the quota matching the application and take one unit if any is left.

    Returns (quota_id or None when no quota applies, granted, quota summary after the attempt).
    """
    day = tx.date(on)
    if tx.dialect == "postgresql":
        # One round trip: the conditional UPDATE takes the row lock (like SELECT ... FOR UPDATE) and
        # re-checks `used < quota_limit` after waiting for any concurrent holder, so it never over-issues.
        hit = tx.first(_PG_TAKE_SQL, (nationality, category, day, day))
        if hit is not None:
            quota_id, limit, used = hit[0], int(hit[1]), int(hit[2])
            return quota_id, True, {"quota_id": quota_id, "limit": limit, "used": used,
                                    "remaining": limit - used}
        row = tx.first(_MATCH_SQL, (nationality, category, day, day))  # none left, or no quota at all
        if row is None:
            return None, True, {}
        return row[0], False, {"quota_id": row[0], "limit": int(row[1]), "used": int(row[2]), "remaining": 0}
    row = tx.first(_MATCH_SQL + tx.for_update(), (nationality, category, day, day))
    if row is None:
        return None, True, {}
    quota_id, limit, used = row[0], int(row[1]), int(row[2])
    if used >= limit or tx.run(_CONSUME_SQL, (quota_id,)) != 1:
        return quota_id, False, {"quota_id": quota_id, "limit": limit, "used": used, "remaining": 0}
    return quota_id, True, {"quota_id": quota_id, "limit": limit, "used": used + 1,
                            "remaining": limit - used - 1}


def _out(row: Any) -> dict[str, Any]:
    quota_id, nationality, category, start, end, limit, used = row
    return {
        "quota_id": quota_id, "nationality": nationality, "category": category,
        "start": start if isinstance(start, str) else start.isoformat(),
        "end": end if isinstance(end, str) else end.isoformat(),
        "limit": int(limit), "used": int(used), "remaining": int(limit) - int(used),
    }


def create(tx: Tx, spec: QuotaRequest, actor: str | None) -> dict[str, Any]:
    """Insert a quota (409 if the id exists or it overlaps another for the same pair) and audit it."""
    if tx.first("SELECT 1 FROM quotas WHERE quota_id = ?", (spec.quota_id,)):
        raise Conflict(f"quota_id: quota {spec.quota_id!r} already exists")
    clash = tx.first("SELECT quota_id FROM quotas WHERE nationality = ? AND category = ? "
                     "AND start_date <= ? AND end_date >= ?",
                     (spec.nationality, spec.category, tx.date(spec.end), tx.date(spec.start)))
    if clash:
        raise Conflict(f"start/end: the period overlaps quota {clash[0]!r} for {spec.nationality} "
                       f"{spec.category}; one quota per nationality, category and date")
    tx.run("INSERT INTO quotas (quota_id, nationality, category, start_date, end_date, quota_limit, used, "
           "created_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
           (spec.quota_id, spec.nationality, spec.category, tx.date(spec.start), tx.date(spec.end),
            spec.limit, now_iso()))
    out = {"quota_id": spec.quota_id, "nationality": spec.nationality, "category": spec.category,
           "start": spec.start.isoformat(), "end": spec.end.isoformat(), "limit": spec.limit, "used": 0,
           "remaining": spec.limit}
    audit.append(tx, "quota.created", spec.quota_id, actor, {"quota": out})
    return out


def get(tx: Tx, quota_id: str) -> dict[str, Any]:
    """A quota with its limit, used and remaining units."""
    row = tx.first(f"SELECT {_COLUMNS} FROM quotas WHERE quota_id = ?", (quota_id,))
    if row is None:
        raise NotFound(f"quota_id: no quota {quota_id!r}")
    return _out(row)
