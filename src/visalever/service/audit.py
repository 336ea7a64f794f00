"""Append-only, hash-chained audit log: every decision, quota and designation change.

Each entry's hash covers its sequence number, time, kind, subject, actor, payload and the previous
entry's hash, so altering, deleting or reordering any row breaks the chain at that row. The chain
head (last seq and hash) lives in the `counters` table; appends lock it (`FOR UPDATE` on PostgreSQL,
`BEGIN IMMEDIATE` on SQLite), which both serialises appends and lets `verify` notice truncation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from visalever.service.clock import canonical_json, canonical_json_fast, now_iso, sha256_hex
from visalever.service.db import Tx

GENESIS = "0" * 64


def entry_hash(prev_hash: str, seq: int, recorded_at: str, kind: str, subject: str, actor: str | None,
               payload: str) -> str:
    """The hash of one entry, chained to the previous one (orjson gives the same canonical text as the
    stdlib encoder for these strings and integers, at a fraction of the cost on the decision path)."""
    body = canonical_json_fast({"seq": seq, "recorded_at": recorded_at, "kind": kind, "subject": subject,
                                "actor": actor, "payload": payload})
    return sha256_hex(prev_hash + "\n" + body)


_INSERT_SQL = ("INSERT INTO audit_log (seq, recorded_at, kind, subject, actor, payload, prev_hash, "
               "entry_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
_HEAD_UPDATE_SQL = "UPDATE counters SET value = ?, text_value = ? WHERE name = 'audit_head'"


def append(tx: Tx, kind: str, subject: str, actor: str | None, payload: dict[str, Any] | None = None, *,
           payload_text: str | None = None) -> int:
    """Append one entry inside the caller's write transaction; returns its sequence number.

    `payload_text` (canonical JSON) may be given instead of `payload` when the caller already has it.
    """
    head_seq, head_hash = tx.first(  # type: ignore[misc]
        "SELECT value, text_value FROM counters WHERE name = 'audit_head'" + tx.for_update())
    seq = int(head_seq) + 1
    at = now_iso()
    if payload_text is None:
        payload_text = canonical_json(payload)
    digest = entry_hash(head_hash, seq, at, kind, subject, actor, payload_text)
    tx.run(_INSERT_SQL, (seq, at, kind, subject, actor, payload_text, head_hash, digest))
    tx.run(_HEAD_UPDATE_SQL, (seq, digest))
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


def _rows(tx: Tx, batch: int) -> Any:
    """All entries in sequence order, fetched in batches (keyset pagination: bounded memory)."""
    last = -(2**62)  # also finds rows whose seq was altered to zero or below
    while True:
        rows = tx.all("SELECT seq, recorded_at, kind, subject, actor, payload, prev_hash, entry_hash "
                      f"FROM audit_log WHERE seq > ? ORDER BY seq LIMIT {int(batch)}", (last,))
        if not rows:
            return
        yield from rows
        last = int(rows[-1][0])


def verify(tx: Tx, batch: int = 5000) -> Verification:
    """Walk the whole chain in sequence order and report the first entry that does not check out."""
    expected_seq = 1
    prev = GENESIS
    count = 0
    for seq, at, kind, subject, actor, payload, prev_hash, stored in _rows(tx, batch):
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
    head_seq, head_hash = tx.first(  # type: ignore[misc]
        "SELECT value, text_value FROM counters WHERE name = 'audit_head'")
    if int(head_seq) != count or head_hash != prev:
        return Verification(False, count, count + 1, f"the chain head records {int(head_seq)} entries but "
                            f"only {count} link up: entries after {count} are missing (or the head altered)")
    return Verification(True, count)
