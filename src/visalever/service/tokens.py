"""Bearer tokens with roles, an expiry and revocation: the plaintext is shown once, only its SHA-256
is stored.

Tokens are 256-bit random strings, so a plain SHA-256 (not a slow password hash) is enough to make
a stolen table useless while keeping the per-request lookup cheap.

Every request reads its token's row (no cache): a token revoked with `visalever token revoke`, or
past its expiry, is refused by every server process from the next request on. On SQLite the read
is one indexed SELECT on a per-thread autocommit connection (about 4 us); on PostgreSQL one
statement through the pool. `last_used_at` is written at most once a minute per token, from a
background thread, so that reading a token never waits for a write lock.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import sqlite3
import threading
import time
from typing import Any

from sqlalchemy import Engine

from visalever.errors import InputError
from visalever.service.auth import TokenRefused
from visalever.service.canonical import now_iso, sha256_hex
from visalever.service.db import read_tx, write_tx

ROLES = ("viewer", "caseworker", "analyst", "policy_admin", "auditor")
TOKEN_PREFIX = "vl_"
DEFAULT_EXPIRY = "90d"
EXPIRY_HELP = (f"When the token stops working: a duration such as 30d, 12h or 52w, a date YYYY-MM-DD "
               f"(midnight UTC), or 'never'. Default {DEFAULT_EXPIRY} (90 days).")
LAST_USED_RESOLUTION_S = 60.0
_DURATION = re.compile(r"^(\d{1,6})([hdw])$")
_LOOKUP_SQL = ("SELECT token_id, role, expires_at, revoked_at, last_used_at FROM tokens "
               "WHERE token_hash = ?")
#: The same columns for many tokens at once (PostgreSQL; a decision batch), keyed by the hash.
BATCH_LOOKUP_SQL = ("SELECT token_hash, token_id, role, expires_at, revoked_at, last_used_at FROM tokens "
                    "WHERE token_hash = ANY(%s::text[])")


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return sha256_hex(token)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def parse_expiry(text: str | None, now: dt.datetime | None = None) -> str | None:
    """`30d` / `12h` / `52w` / `YYYY-MM-DD` / `never` -> the expiry instant as ISO text (None: never)."""
    value = (text if text is not None else DEFAULT_EXPIRY).strip().lower()
    now = now or _utcnow()
    if value in ("never", "none"):
        return None
    match = _DURATION.match(value)
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        if amount == 0:
            raise InputError("a token must live longer than 0", location="--expires")
        delta = {"h": dt.timedelta(hours=amount), "d": dt.timedelta(days=amount),
                 "w": dt.timedelta(weeks=amount)}[unit]
        return (now + delta).isoformat(timespec="seconds")
    try:
        day = dt.date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise InputError(f"{text!r} is not a duration (30d, 12h, 52w), a date YYYY-MM-DD or 'never'",
                         location="--expires")
    instant = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    if instant <= now:
        raise InputError(f"{day.isoformat()} is not in the future", location="--expires")
    return instant.isoformat(timespec="seconds")


def create_token(engine: Engine, role: str, label: str | None = None, *,
                 expires_at: str | None = None) -> str:
    """Create a token for `role`, store its hash, and return the plaintext (the only time it exists).

    `expires_at` is ISO text (see `parse_expiry`); None never expires (the library default, for
    tests and scripts; the CLI defaults to `DEFAULT_EXPIRY`)."""
    return create_token_with_id(engine, role, label, expires_at=expires_at)[1]


def create_token_with_id(engine: Engine, role: str, label: str | None = None, *,
                         expires_at: str | None = None) -> tuple[str, str]:
    """`create_token`, returning (token_id, plaintext)."""
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}", location="--role")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = "tok_" + secrets.token_hex(8)
    with write_tx(engine) as tx:
        tx.run("INSERT INTO tokens (token_id, token_hash, role, label, created_at, expires_at) "
               "VALUES (?, ?, ?, ?, ?, ?)",
               (token_id, hash_token(token), role, label, now_iso(), expires_at))
    return token_id, token


def list_tokens(engine: Engine) -> list[dict[str, Any]]:
    """Every token's metadata (id, role, label, created, last used, expiry, revoked), never a secret."""
    with read_tx(engine) as tx:
        rows = tx.all("SELECT token_id, role, label, created_at, last_used_at, expires_at, revoked_at "
                      "FROM tokens ORDER BY created_at, token_id")
    now = _utcnow()
    out = []
    for token_id, role, label, created, last_used, expires, revoked in rows:
        state = "revoked" if revoked else ("expired" if _expired(expires, now) else "active")
        out.append({"id": token_id, "role": role, "label": label, "created": created,
                    "last_used": last_used, "expires": expires, "revoked": revoked, "state": state})
    return out


def revoke_token(engine: Engine, token_id: str) -> dict[str, Any]:
    """Revoke a token by id (refused by every process from the next request). Revoking twice is a
    no-op that keeps the first time; an unknown id is an InputError."""
    with write_tx(engine) as tx:
        row = tx.first("SELECT revoked_at FROM tokens WHERE token_id = ?" + tx.for_update(), (token_id,))
        if row is None:
            raise InputError(f"no token {token_id!r} (see `visalever token list`)", location="ID")
        if row[0] is None:
            tx.run("UPDATE tokens SET revoked_at = ? WHERE token_id = ?", (now_iso(), token_id))
    return next(t for t in list_tokens(engine) if t["id"] == token_id)


def _expired(expires_at: str | None, now: dt.datetime) -> bool:
    return expires_at is not None and now >= dt.datetime.fromisoformat(expires_at)


class TokenStore:
    """Token lookups for the request path: one read per request, never cached."""

    def __init__(self, engine: Engine, jwt: Any = None) -> None:
        self._engine = engine
        self._jwt = jwt  # a `visalever.service.jwt_auth.JwtVerifier` when an identity provider is set
        self._sqlite_path = engine.url.database if engine.dialect.name == "sqlite" else None
        #: True when a lookup waits on the network (PostgreSQL): async callers run it in a thread.
        self.blocking = self._sqlite_path is None
        self._local = threading.local()
        self._touch_lock = threading.Lock()
        self._touched: dict[str, float] = {}

    def _row(self, digest: str) -> tuple[Any, ...] | None:
        if self._sqlite_path is None:
            with read_tx(self._engine) as tx:
                return tx.first(_LOOKUP_SQL, (digest,))
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._sqlite_path, timeout=30, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA query_only=1")
            self._local.conn = conn
        return conn.execute(_LOOKUP_SQL, (digest,)).fetchone()

    def lookup(self, token: str) -> tuple[str, str] | None:
        """(token_id, role) for a usable token; None for an unknown one; `TokenRefused` for a token
        that was revoked or has expired. With an identity provider configured, a JWT is verified
        against its keys instead (no database read)."""
        if self._jwt is not None:
            from visalever.service.jwt_auth import JwtRefused, looks_like_jwt

            if looks_like_jwt(token):
                try:
                    return self._jwt.verify(token)
                except JwtRefused as err:
                    raise TokenRefused(str(err)) from None
        return self.check_row(self._row(hash_token(token)))

    def check_row(self, row: tuple[Any, ...] | None) -> tuple[str, str] | None:
        """`lookup` on a row already read (token_id, role, expires_at, revoked_at, last_used_at), e.g.
        inside a decision batch's own transaction: None for no row, `TokenRefused` when revoked or
        expired, else (token_id, role)."""
        if row is None:
            return None
        token_id, role, expires_at, revoked_at, last_used = row
        if revoked_at is not None:
            raise TokenRefused(f"token {token_id} was revoked at {revoked_at}")
        now = _utcnow()
        if _expired(expires_at, now):
            raise TokenRefused(f"token {token_id} expired at {expires_at}")
        self._maybe_touch(token_id, last_used, now)
        return token_id, role

    def read_in_batch(self, token: str) -> bool:
        """Whether a decision batch may read this token inside its own transaction (PostgreSQL, a
        stored token): saves a round trip per request. A JWT is verified here, without the database."""
        if not self.blocking:
            return False
        if self._jwt is not None:
            from visalever.service.jwt_auth import looks_like_jwt

            return not looks_like_jwt(token)
        return True

    def _maybe_touch(self, token_id: str, last_used: str | None, now: dt.datetime) -> None:
        """Record `last_used_at` when the stored one is over a minute old (in the background)."""
        if last_used is not None and (now - dt.datetime.fromisoformat(last_used)).total_seconds() \
                < LAST_USED_RESOLUTION_S:
            return
        mono = time.monotonic()
        with self._touch_lock:
            if mono - self._touched.get(token_id, -1e9) < LAST_USED_RESOLUTION_S:
                return
            self._touched[token_id] = mono
        threading.Thread(target=self._touch, args=(token_id, now.isoformat(timespec="microseconds")),
                         name="token-last-used", daemon=True).start()

    def _touch(self, token_id: str, when: str) -> None:
        try:
            with write_tx(self._engine) as tx:
                tx.run("UPDATE tokens SET last_used_at = ? WHERE token_id = ? "
                       "AND (last_used_at IS NULL OR last_used_at < ?)", (when, token_id, when))
        except Exception:  # noqa: BLE001 - a best-effort note; the request was already answered
            with self._touch_lock:
                self._touched.pop(token_id, None)
