"""Append-only, hash-chained audit log: every decision, quota and designation change.

Each entry's hash covers its sequence number, time, kind, subject, actor, payload and the previous
entry's hash, so altering, deleting or reordering any row breaks the chain at that row. The chain
head (last seq and hash) lives in the `counters` table; appends lock it (`FOR UPDATE` on PostgreSQL,
`BEGIN IMMEDIATE` on SQLite), which both serialises appends and lets `verify` notice truncation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, text

from visalever.service.clock import canonical_json, now_iso, sha256_hex

GENESIS = "0" * 64


def entry_hash(prev_hash: str, seq: int, recorded_at: str, kind: str, subject: str, actor: str | None,
               payload: str) -> str:
    """The hash of one entry, chained to the previous one."""
    body = canonical_json({"seq": seq, "recorded_at": recorded_at, "kind": kind, "subject": subject,
                           "actor": actor, "payload": payload})
    return sha256_hex(prev_hash + "\n" + body)


_HEAD_SQL = {
    "sqlite": text("SELECT value, text_value FROM counters WHERE name = 'audit_head'"),
    "postgresql": text("SELECT value, text_value FROM counters WHERE name = 'audit_head' FOR UPDATE"),
}
_INSERT_SQL = text(
    "INSERT INTO audit_log (seq, recorded_at, kind, subject, actor, payload, prev_hash, entry_hash) "
    "VALUES (:seq, :at, :kind, :subject, :actor, :payload, :prev, :hash)"
)
_HEAD_UPDATE_SQL = text("UPDATE counters SET value = :seq, text_value = :hash WHERE name = 'audit_head'")


def append(conn: Connection, kind: str, subject: str, actor: str | None, payload: dict[str, Any]) -> int:
    """Append one entry inside the caller's write transaction; returns its sequence number."""
    head_seq, head_hash = conn.execute(_HEAD_SQL[conn.dialect.name]).one()
    seq = int(head_seq) + 1
    at = now_iso()
    payload_text = canonical_json(payload)
    digest = entry_hash(head_hash, seq, at, kind, subject, actor, payload_text)
    conn.execute(_INSERT_SQL, {"seq": seq, "at": at, "kind": kind, "subject": subject, "actor": actor,
                               "payload": payload_text, "prev": head_hash, "hash": digest})
    conn.execute(_HEAD_UPDATE_SQL, {"seq": seq, "hash": digest})
    return seq


@dataclass(frozen=True)
class Verification:
    """The result of walking the chain: `ok`, how many entries, and the first broken link if any."""

    ok: bool
    entries: int
    first_broken_seq: int | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the API and the CLI."""
        return asdict(self)


def verify(conn: Connection, batch: int = 5000) -> Verification:
    """Walk the whole chain in sequence order and report the first entry that does not check out."""
    expected_seq = 1
    prev = GENESIS
    count = 0
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(
        text("SELECT seq, recorded_at, kind, subject, actor, payload, prev_hash, entry_hash "
             "FROM audit_log ORDER BY seq")
    )
    for seq, at, kind, subject, actor, payload, prev_hash, stored in result:
        seq = int(seq)
        if seq != expected_seq:
            if seq > expected_seq:
                return Verification(False, count, expected_seq, f"entry {expected_seq} is missing "
                                    f"(next entry found is {seq})")
            return Verification(False, count, seq, f"entry {seq} appears out of order")
        if prev_hash != prev:
            return Verification(False, count, seq, f"entry {seq} does not link to entry {seq - 1} "
                                "(prev_hash differs): rows deleted, reordered or altered")
        if entry_hash(prev_hash, seq, at, kind, subject, actor, payload) != stored:
            return Verification(False, count, seq, f"entry {seq} was altered (its hash does not match "
                                "its contents)")
        prev = stored
        expected_seq += 1
        count += 1
    head_seq, head_hash = conn.execute(
        text("SELECT value, text_value FROM counters WHERE name = 'audit_head'")
    ).one()
    if int(head_seq) != count or head_hash != prev:
        return Verification(False, count, count + 1, f"the chain head records {int(head_seq)} entries but "
                            f"only {count} link up: entries after {count} are missing (or the head altered)")
    return Verification(True, count)
