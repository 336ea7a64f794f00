"""Idempotency keys: a retried POST gets the first answer back; a reused key with another body, 409.

The fingerprint covers the method, path and canonical JSON body. The stored response is written in
the same transaction as the effect it describes, so after a crash either both exist or neither does:
a client retrying with the same key can never be granted twice.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, text

from visalever.service.clock import canonical_json, now_iso, sha256_hex
from visalever.service.errors import Conflict

MAX_KEY_LENGTH = 200

_LOOKUP_SQL = text("SELECT fingerprint, status_code, response FROM idempotency_keys WHERE idem_key = :k")
_INSERT_SQL = text("INSERT INTO idempotency_keys (idem_key, fingerprint, status_code, response, created_at) "
                   "VALUES (:k, :f, :s, :r, :t)")


def fingerprint(method: str, path: str, body: Any) -> str:
    """Hash of what the request asks for (whitespace and key order do not matter)."""
    return sha256_hex(f"{method} {path}\n{canonical_json(body)}")


def replay(conn: Connection, key: str, fp: str) -> tuple[int, Any] | None:
    """The stored (status, body) for `key`, None if unseen; Conflict if it was used for another request."""
    row = conn.execute(_LOOKUP_SQL, {"k": key}).first()
    if row is None:
        return None
    if row[0] != fp:
        raise Conflict("Idempotency-Key: this key was already used with a different request body")
    return int(row[1]), json.loads(row[2])


def remember(conn: Connection, key: str, fp: str, status: int, body: Any,
             body_text: str | None = None) -> None:
    """Store the answer to `key` inside the caller's transaction."""
    conn.execute(_INSERT_SQL, {"k": key, "f": fp, "s": status,
                               "r": body_text if body_text is not None else canonical_json(body),
                               "t": now_iso()})
