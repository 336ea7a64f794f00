"""Idempotency keys: a retried POST gets the first answer back; a reused key with another body, 409.

The fingerprint covers the method, path and canonical JSON body. The stored response is written in
the same transaction as the effect it describes, so after a crash either both exist or neither does:
a client retrying with the same key can never be granted twice.
"""

from __future__ import annotations

import json
from typing import Any

from visalever.service.canonical import canonical_json, now_iso, sha256_hex
from visalever.service.db import Tx
from visalever.service.errors import Conflict

MAX_KEY_LENGTH = 200

_LOOKUP_SQL = "SELECT fingerprint, status_code, response FROM idempotency_keys WHERE idem_key = ?"
_INSERT_SQL = ("INSERT INTO idempotency_keys (idem_key, fingerprint, status_code, response, created_at) "
               "VALUES (?, ?, ?, ?, ?)")


def fingerprint(method: str, path: str, body: Any) -> str:
    """Hash of what the request asks for (whitespace and key order do not matter)."""
    return fingerprint_text(method, path, canonical_json(body))


def fingerprint_text(method: str, path: str, body_text: str) -> str:
    """`fingerprint` for a body already in canonical JSON."""
    return sha256_hex(f"{method} {path}\n{body_text}")


def replay(tx: Tx, key: str, fp: str) -> tuple[int, Any, str] | None:
    """The stored (status, body, body text) for `key`; None if unseen; Conflict if used for another body."""
    row = tx.first(_LOOKUP_SQL, (key,))
    if row is None:
        return None
    if row[0] != fp:
        raise Conflict("Idempotency-Key: this key was already used with a different request body")
    return int(row[1]), json.loads(row[2]), row[2]


def remember(tx: Tx, key: str, fp: str, status: int, body: Any,
             body_text: str | None = None) -> None:
    """Store the answer to `key` inside the caller's transaction."""
    tx.run(_INSERT_SQL, (key, fp, status, body_text if body_text is not None else canonical_json(body),
                         now_iso()))
