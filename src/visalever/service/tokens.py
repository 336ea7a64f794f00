"""Bearer tokens with roles: the plaintext is shown once, only its SHA-256 is stored.

Tokens are 256-bit random strings, so a plain SHA-256 (not a slow password hash) is enough to make
a stolen table useless while keeping the per-request lookup cheap.
"""

from __future__ import annotations

import secrets
import threading
import time

from sqlalchemy import Engine

from visalever.errors import InputError
from visalever.service.clock import now_iso, sha256_hex
from visalever.service.db import read_tx, write_tx

ROLES = ("viewer", "caseworker", "analyst", "policy_admin", "auditor")
TOKEN_PREFIX = "vl_"


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return sha256_hex(token)


def create_token(engine: Engine, role: str, label: str | None = None) -> str:
    """Create a token for `role`, store its hash, and return the plaintext (the only time it exists)."""
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}", location="--role")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = "tok_" + secrets.token_hex(8)
    with write_tx(engine) as tx:
        tx.run("INSERT INTO tokens (token_id, token_hash, role, label, created_at) VALUES (?, ?, ?, ?, ?)",
               (token_id, hash_token(token), role, label, now_iso()))
    return token


class TokenCache:
    """Hash -> (token_id, role) lookups with a short time-to-live, so each request avoids a query.

    Tokens cannot be revoked yet; the TTL bounds how long a future revocation would take to apply.
    """

    def __init__(self, engine: Engine, ttl_seconds: float = 30.0) -> None:
        self._engine = engine
        self._ttl = ttl_seconds
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, tuple[str, str] | None]] = {}

    def lookup(self, token: str) -> tuple[str, str] | None:
        """Return (token_id, role) for a valid token, None otherwise."""
        digest = hash_token(token)
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(digest)
        if hit is not None and hit[0] > now and hit[1] is not None:
            return hit[1]
        with read_tx(self._engine) as tx:
            row = tx.first("SELECT token_id, role FROM tokens WHERE token_hash = ?", (digest,))
        value = (row[0], row[1]) if row else None
        if value is not None:  # only positive answers are cached: a new token works at once
            with self._lock:
                if len(self._entries) > 10_000:
                    self._entries.clear()
                self._entries[digest] = (now + self._ttl, value)
        return value
