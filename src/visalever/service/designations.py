"""The designations in force, stored in the database so a policy team can add, amend and lift them.

Seeded once from the packaged regime file (`regimes/<jurisdiction>/designations.yaml`); afterwards
the database is the source of truth for the decision service. Every change bumps the `designations`
version counter in the same transaction; each process compares that counter on every decision and
re-resolves its cached measures when it moved, so a change applies at once across processes.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine

from visalever.service import audit
from visalever.service.canonical import canonical_json, now_iso
from visalever.service.db import Tx, write_tx
from visalever.service.errors import Conflict, NotFound

VERSION_SQL = "SELECT value FROM counters WHERE name = 'designations'"
_BUMP_SQL = "UPDATE counters SET value = value + 1 WHERE name = 'designations'"
_INSERT_SQL = ("INSERT INTO designations (designation_id, jurisdiction, iso3, body, revision, source, "
               "updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)")


def version(tx: Tx) -> int:
    """The designations version counter (changes whenever any designation does)."""
    return int(tx.first(VERSION_SQL)[0])  # type: ignore[index]


def seed(engine: Engine, packaged: list[dict[str, Any]]) -> int:
    """Insert the packaged designations the first time a database is opened; returns how many."""
    with write_tx(engine) as tx:
        flag = tx.first("SELECT flag FROM counters WHERE name = 'designations'" + tx.for_update())[0]  # type: ignore[index]
        if flag:
            return 0
        now = now_iso()
        for body in packaged:
            tx.run(_INSERT_SQL, (body["id"], body.get("jurisdiction", ""), body.get("iso3", ""),
                                 canonical_json(body), "seed", now))
        tx.run("UPDATE counters SET flag = ?, value = value + 1 WHERE name = 'designations'", (True,))
        audit.append(tx, "designations.seeded", "designations", None,
                     {"ids": [b["id"] for b in packaged], "source": "packaged regime files"})
        return len(packaged)


def list_all(tx: Tx) -> list[dict[str, Any]]:
    """Every stored designation body, by id."""
    rows = tx.all("SELECT body FROM designations ORDER BY designation_id")
    return [json.loads(r[0]) for r in rows]


def get(tx: Tx, designation_id: str) -> dict[str, Any]:
    """One designation body (404 naming the id)."""
    row = tx.first("SELECT body FROM designations WHERE designation_id = ?", (designation_id,))
    if row is None:
        raise NotFound(f"designation_id: no designation {designation_id!r}")
    return json.loads(row[0])


def create(tx: Tx, body: dict[str, Any], actor: str | None) -> dict[str, Any]:
    """Store a new (already validated) designation, bump the version, audit it."""
    if tx.first("SELECT 1 FROM designations WHERE designation_id = ?", (body["id"],)):
        raise Conflict(f"id: designation {body['id']!r} already exists; amend it with PATCH")
    tx.run(_INSERT_SQL, (body["id"], body.get("jurisdiction", ""), body.get("iso3", ""), canonical_json(body),
                         "api", now_iso()))
    tx.run(_BUMP_SQL)
    audit.append(tx, "designation.created", body["id"], actor, {"designation": body})
    return body


def replace(tx: Tx, designation_id: str, body: dict[str, Any], changes: dict[str, Any],
            actor: str | None) -> dict[str, Any]:
    """Store an amended (already validated) designation, bump the version, audit old and new."""
    row = tx.first("SELECT body, revision FROM designations WHERE designation_id = ?" + tx.for_update(),
                   (designation_id,))
    if row is None:
        raise NotFound(f"designation_id: no designation {designation_id!r}")
    tx.run("UPDATE designations SET body = ?, iso3 = ?, jurisdiction = ?, revision = revision + 1, "
           "source = 'api', updated_at = ? WHERE designation_id = ?",
           (canonical_json(body), body.get("iso3", ""), body.get("jurisdiction", ""), now_iso(),
            designation_id))
    tx.run(_BUMP_SQL)
    audit.append(tx, "designation.amended", designation_id, actor,
                 {"before": json.loads(row[0]), "changes": changes, "after": body})
    return body
