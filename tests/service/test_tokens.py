"""Token lifecycle: `token list` (never a secret), `token revoke`, `token create --expires` (default in
--help), and a revoked or expired token refused at once by every server process (issue 17, defect 8:
a leaked token used to work forever)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time

import httpx
import pytest
from tests.service.helpers import application, run_sql
from tests.support.postgres import PostgresServer
from tests.support.servers import ServeProcess, run_cli


def _create(db_url: str, role: str, *extra: str) -> tuple[str, str]:
    done = run_cli("token", "create", "--role", role, "--db", db_url, *extra)
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert done.stdout == token + "\n"
    token_id = done.stderr.split()[0]
    assert token_id.startswith("tok_"), done.stderr
    return token_id, token


def _statuses(url: str, token: str, n: int = 12) -> list[int]:
    """GET a protected read n times on fresh connections (so both workers of `--workers 2` answer)."""
    out = []
    for _ in range(n):
        with httpx.Client(base_url=url, timeout=30) as c:
            out.append(c.get("/v1/quotas/none", headers={"Authorization": f"Bearer {token}"}).status_code)
    return out


def test_help_states_the_default_expiry() -> None:
    done = run_cli("token", "create", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "--expires" in text and "90d" in text and "never" in text
    for command in ("list", "revoke"):
        assert run_cli("token", command, "--help").returncode == 0


def test_list_shows_metadata_never_secrets(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db_url = f"sqlite:///{tmp_path / 't.db'}"
    id_a, tok_a = _create(db_url, "caseworker", "--label", "desk 4")
    id_b, tok_b = _create(db_url, "auditor", "--expires", "never")
    id_c, _ = _create(db_url, "viewer", "--expires", "2099-01-01")
    listing = run_cli("token", "list", "--db", db_url, "--format", "json")
    assert listing.returncode == 0, listing.stderr
    rows = {r["id"]: r for r in json.loads(listing.stdout)}
    assert set(rows) == {id_a, id_b, id_c}
    for row in rows.values():
        assert {"id", "role", "label", "created", "last_used", "expires", "revoked", "state"} <= set(row)
    assert rows[id_a]["label"] == "desk 4" and rows[id_a]["role"] == "caseworker"
    expires_a = dt.datetime.fromisoformat(rows[id_a]["expires"])  # the default: 90 days
    created_a = dt.datetime.fromisoformat(rows[id_a]["created"])
    assert abs((expires_a - created_a) - dt.timedelta(days=90)) < dt.timedelta(minutes=5)
    assert rows[id_b]["expires"] is None
    assert rows[id_c]["expires"].startswith("2099-01-01")
    table = run_cli("token", "list", "--db", db_url)
    assert table.returncode == 0 and id_a in table.stdout
    for secret in (tok_a, tok_b):
        digest = hashlib.sha256(secret.encode()).hexdigest()
        for out in (listing.stdout, table.stdout):
            assert secret not in out and digest not in out and secret[:12] not in out
    bad = run_cli("token", "create", "--role", "viewer", "--db", db_url, "--expires", "soon")
    assert bad.returncode == 2 and "--expires" in bad.stderr
    bad = run_cli("token", "revoke", "tok_nope", "--db", db_url)
    assert bad.returncode == 2 and "tok_nope" in bad.stderr


def _revoke_and_expire(db_url: str, workers: int) -> None:
    from visalever.service.db import open_database
    from visalever.service.tokens import create_token_with_id, list_tokens, parse_expiry, revoke_token

    engine = open_database(db_url)
    id_cw, caseworker = create_token_with_id(engine, "caseworker", expires_at=parse_expiry(None))
    id_v, viewer = create_token_with_id(engine, "viewer", expires_at=parse_expiry("1d"))
    id_old, old = create_token_with_id(engine, "viewer", expires_at=parse_expiry("1d"))
    with ServeProcess(db_url, workers=workers) as server:
        assert set(_statuses(server.base_url, viewer)) == {404}
        with httpx.Client(base_url=server.base_url, timeout=30,
                          headers={"Authorization": f"Bearer {caseworker}"}) as c:
            assert c.post("/v1/decisions", json=application("tok-1")).status_code == 200
        done = run_cli("token", "revoke", id_v, "--db", db_url)
        assert done.returncode == 0 and id_v in done.stdout
        revoke_token(engine, id_cw)
        # No waiting: the very next request on every process is refused, with the reason.
        assert set(_statuses(server.base_url, viewer)) == {401}
        with httpx.Client(base_url=server.base_url, timeout=30) as c:
            r = c.get("/v1/quotas/none", headers={"Authorization": f"Bearer {viewer}"})
            assert r.status_code == 401 and "revoked" in r.json()["error"]
            for _ in range(6):  # the decision fast path checks the same way
                r = c.post("/v1/decisions", json=application("tok-2"),
                           headers={"Authorization": f"Bearer {caseworker}"})
                assert r.status_code == 401 and "revoked" in r.json()["error"]
            # the token comes before the body and the Idempotency-Key, also where the batch reads it
            bad = {"Authorization": f"Bearer {caseworker}", "Content-Type": "application/json"}
            assert c.post("/v1/decisions", content=b"{", headers=bad).status_code == 401
            assert c.post("/v1/decisions", json=application("tok-3"),
                          headers={**bad, "Idempotency-Key": "x" * 500}).status_code == 401
            assert c.post("/v1/decisions", content=b"{", headers={
                **bad, "Authorization": f"Bearer {old}"}).status_code == 403
        assert set(_statuses(server.base_url, old)) == {404}
        past = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)).isoformat(timespec="seconds")
        run_sql(db_url, "UPDATE tokens SET expires_at = ? WHERE token_id = ?", (past, id_old))
        assert set(_statuses(server.base_url, old)) == {401}
        with httpx.Client(base_url=server.base_url, timeout=30) as c:
            r = c.get("/v1/quotas/none", headers={"Authorization": f"Bearer {old}"})
            assert "expired" in r.json()["error"]
    rows = {r["id"]: r for r in list_tokens(engine)}
    engine.dispose()
    assert rows[id_v]["state"] == "revoked" and rows[id_v]["revoked"]
    assert rows[id_old]["state"] == "expired"
    assert rows[id_v]["last_used"] is not None  # used before it was revoked (recorded to the minute)


def test_revoked_and_expired_refused_at_once_sqlite_two_workers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    _revoke_and_expire(f"sqlite:///{tmp_path / 'rev.db'}", workers=2)


def test_revoked_and_expired_refused_at_once_postgres(pg: PostgresServer) -> None:
    _revoke_and_expire(pg.create_database("tokens"), workers=2)


def test_last_used_is_recorded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db_url = f"sqlite:///{tmp_path / 'used.db'}"
    token_id, token = _create(db_url, "viewer")
    assert run_sql(db_url, "SELECT last_used_at FROM tokens WHERE token_id = ?", (token_id,)) == [(None,)]
    with ServeProcess(db_url) as server:
        assert _statuses(server.base_url, token, 1) == [404]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            (used,), = run_sql(db_url, "SELECT last_used_at FROM tokens WHERE token_id = ?", (token_id,))
            if used is not None:
                break
            time.sleep(0.1)
    assert used is not None


@pytest.mark.parametrize("text", ["0d", "yesterday", "2001-01-01", "12"])
def test_bad_expiry_is_refused(text: str) -> None:
    from visalever.errors import InputError
    from visalever.service.tokens import parse_expiry

    with pytest.raises(InputError):
        parse_expiry(text)
