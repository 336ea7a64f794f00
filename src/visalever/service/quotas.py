"""Caps on decisions that proceed: a ledger row per quota, consumed inside the decision transaction.

A quota covers one nationality and category over an inclusive date range; overlapping quotas for the
same pair are refused at creation so that exactly one row decides whether an application fits. The
row is locked (`SELECT ... FOR UPDATE` on PostgreSQL; `BEGIN IMMEDIATE` already serialises SQLite)
before `used` is compared with `limit`, and a CHECK constraint backs the invariant used <= limit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from visalever.service import audit
from visalever.service.clock import now_iso
from visalever.service.errors import Conflict, NotFound
from visalever.service.schemas import QuotaRequest

_MATCH_SQL = {
    "sqlite": text(
        "SELECT quota_id, quota_limit, used FROM quotas WHERE nationality = :n AND category = :c "
        "AND start_date <= :d AND end_date >= :d"
    ),
    "postgresql": text(
        "SELECT quota_id, quota_limit, used FROM quotas WHERE nationality = :n AND category = :c "
        "AND start_date <= :d AND end_date >= :d FOR UPDATE"
    ),
}
_CONSUME_SQL = text("UPDATE quotas SET used = used + 1 WHERE quota_id = :q AND used < quota_limit")


def _date_param(conn: Connection, d: date) -> Any:
    """SQLite stores dates as ISO text (compared as text); PostgreSQL takes real dates."""
    return d.isoformat() if conn.dialect.name == "sqlite" else d


def consume(conn: Connection, nationality: str, category: str, on: date) -> tuple[str | None, bool, dict]:
    """Lock the quota matching the application and take one unit if any is left.

    Returns (quota_id or None when no quota applies, granted, quota summary after the attempt).
    """
    row = conn.execute(_MATCH_SQL[conn.dialect.name],
                       {"n": nationality, "c": category, "d": _date_param(conn, on)}).first()
    if row is None:
        return None, True, {}
    quota_id, limit, used = row[0], int(row[1]), int(row[2])
    if used >= limit:
        return quota_id, False, {"quota_id": quota_id, "limit": limit, "used": used, "remaining": 0}
    result = conn.execute(_CONSUME_SQL, {"q": quota_id})
    if result.rowcount != 1:  # cannot happen under the lock; refuse rather than over-issue
        return quota_id, False, {"quota_id": quota_id, "limit": limit, "used": used, "remaining": 0}
    return quota_id, True, {"quota_id": quota_id, "limit": limit, "used": used + 1,
                            "remaining": limit - used - 1}


def _out(row: Any) -> dict[str, Any]:
    start, end = row.start_date, row.end_date
    return {
        "quota_id": row.quota_id, "nationality": row.nationality, "category": row.category,
        "start": start if isinstance(start, str) else start.isoformat(),
        "end": end if isinstance(end, str) else end.isoformat(),
        "limit": int(row.quota_limit), "used": int(row.used),
        "remaining": int(row.quota_limit) - int(row.used),
    }


def create(conn: Connection, spec: QuotaRequest, actor: str | None) -> dict[str, Any]:
    """Insert a quota (409 if the id exists or it overlaps another for the same pair) and audit it."""
    if conn.execute(text("SELECT 1 FROM quotas WHERE quota_id = :q"), {"q": spec.quota_id}).first():
        raise Conflict(f"quota_id: quota {spec.quota_id!r} already exists")
    clash = conn.execute(
        text("SELECT quota_id FROM quotas WHERE nationality = :n AND category = :c "
             "AND start_date <= :e AND end_date >= :s"),
        {"n": spec.nationality, "c": spec.category, "s": _date_param(conn, spec.start),
         "e": _date_param(conn, spec.end)},
    ).first()
    if clash:
        raise Conflict(f"start/end: the period overlaps quota {clash[0]!r} for {spec.nationality} "
                       f"{spec.category}; one quota per nationality, category and date")
    conn.execute(
        text("INSERT INTO quotas (quota_id, nationality, category, start_date, end_date, quota_limit, used, "
             "created_at) VALUES (:q, :n, :c, :s, :e, :l, 0, :t)"),
        {"q": spec.quota_id, "n": spec.nationality, "c": spec.category, "s": _date_param(conn, spec.start),
         "e": _date_param(conn, spec.end), "l": spec.limit, "t": now_iso()},
    )
    out = {"quota_id": spec.quota_id, "nationality": spec.nationality, "category": spec.category,
           "start": spec.start.isoformat(), "end": spec.end.isoformat(), "limit": spec.limit, "used": 0,
           "remaining": spec.limit}
    audit.append(conn, "quota.created", spec.quota_id, actor, {"quota": out})
    return out


def get(conn: Connection, quota_id: str) -> dict[str, Any]:
    """A quota with its limit, used and remaining units."""
    row = conn.execute(
        text("SELECT quota_id, nationality, category, start_date, end_date, quota_limit, used FROM quotas "
             "WHERE quota_id = :q"), {"q": quota_id}).first()
    if row is None:
        raise NotFound(f"quota_id: no quota {quota_id!r}")
    return _out(row)
