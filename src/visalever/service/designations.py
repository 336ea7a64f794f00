"""The designations in force, stored in the database so a policy team can add, amend and lift them.

Seeded once from the packaged regime file (`regimes/<jurisdiction>/designations.yaml`); afterwards
the database is the source of truth for the decision service. Every change bumps the `designations`
version counter in the same transaction; each process compares that counter on every decision and
re-resolves its cached measures when it moved, so a change applies at once across processes.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Engine, text

from visalever.service import audit
from visalever.service.clock import canonical_json, now_iso
from visalever.service.db import write_tx
from visalever.service.errors import Conflict, NotFound

VERSION_SQL = text("SELECT value FROM counters WHERE name = 'designations'")
_BUMP_SQL = text("UPDATE counters SET value = value + 1 WHERE name = 'designations'")


def version(conn: Connection) -> int:
    """The designations version counter (changes whenever any designation does)."""
    return int(conn.execute(VERSION_SQL).scalar_one())


def seed(engine: Engine, packaged: list[dict[str, Any]]) -> int:
    """Insert the packaged designations the first time a database is opened; returns how many."""
    with write_tx(engine) as conn:
        lock = " FOR UPDATE" if conn.dialect.name == "postgresql" else ""
        flag = conn.execute(text(f"SELECT flag FROM counters WHERE name = 'designations'{lock}")).scalar_one()
        if flag:
            return 0
        now = now_iso()
        for body in packaged:
            conn.execute(
                text("INSERT INTO designations (designation_id, jurisdiction, iso3, body, revision, source, "
                     "updated_at) VALUES (:i, :j, :c, :b, 1, 'seed', :t)"),
                {"i": body["id"], "j": body.get("jurisdiction", ""), "c": body.get("iso3", ""),
                 "b": canonical_json(body), "t": now},
            )
        conn.execute(text("UPDATE counters SET flag = :f, value = value + 1 WHERE name = 'designations'"),
                     {"f": True})
        audit.append(conn, "designations.seeded", "designations", None,
                     {"ids": [b["id"] for b in packaged], "source": "packaged regime files"})
        return len(packaged)


def list_all(conn: Connection) -> list[dict[str, Any]]:
    """Every stored designation body, by id."""
    rows = conn.execute(text("SELECT body FROM designations ORDER BY designation_id")).all()
    return [json.loads(r[0]) for r in rows]


def get(conn: Connection, designation_id: str) -> dict[str, Any]:
    """One designation body (404 naming the id)."""
    row = conn.execute(text("SELECT body FROM designations WHERE designation_id = :i"),
                       {"i": designation_id}).first()
    if row is None:
        raise NotFound(f"designation_id: no designation {designation_id!r}")
    return json.loads(row[0])


def create(conn: Connection, body: dict[str, Any], actor: str | None) -> dict[str, Any]:
    """Store a new (already validated) designation, bump the version, audit it."""
    if conn.execute(text("SELECT 1 FROM designations WHERE designation_id = :i"), {"i": body["id"]}).first():
        raise Conflict(f"id: designation {body['id']!r} already exists; amend it with PATCH")
    conn.execute(
        text("INSERT INTO designations (designation_id, jurisdiction, iso3, body, revision, source, "
             "updated_at) VALUES (:i, :j, :c, :b, 1, 'api', :t)"),
        {"i": body["id"], "j": body.get("jurisdiction", ""), "c": body.get("iso3", ""),
         "b": canonical_json(body), "t": now_iso()},
    )
    conn.execute(_BUMP_SQL)
    audit.append(conn, "designation.created", body["id"], actor, {"designation": body})
    return body


def replace(conn: Connection, designation_id: str, body: dict[str, Any], changes: dict[str, Any],
            actor: str | None) -> dict[str, Any]:
    """Store an amended (already validated) designation, bump the version, audit old and new."""
    lock = " FOR UPDATE" if conn.dialect.name == "postgresql" else ""
    row = conn.execute(text(f"SELECT body, revision FROM designations WHERE designation_id = :i{lock}"),
                       {"i": designation_id}).first()
    if row is None:
        raise NotFound(f"designation_id: no designation {designation_id!r}")
    conn.execute(
        text("UPDATE designations SET body = :b, iso3 = :c, jurisdiction = :j, revision = revision + 1, "
             "source = 'api', updated_at = :t WHERE designation_id = :i"),
        {"i": designation_id, "b": canonical_json(body), "c": body.get("iso3", ""),
         "j": body.get("jurisdiction", ""), "t": now_iso()},
    )
    conn.execute(_BUMP_SQL)
    audit.append(conn, "designation.amended", designation_id, actor,
                 {"before": json.loads(row[0]), "changes": changes, "after": body})
    return body
