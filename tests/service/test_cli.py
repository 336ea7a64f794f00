"""The service's commands: `token create` prints the token alone and stores only its hash, every command
migrates a fresh database first, `audit verify` exits 0 on an intact chain, bad options exit 2."""

from __future__ import annotations

import hashlib

from tests.service.helpers import run_sql
from tests.support.servers import run_cli


def test_token_create_on_fresh_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db_url = f"sqlite:///{tmp_path / 'deep' / 'dir' / 'fresh.db'}"
    done = run_cli("token", "create", "--role", "auditor", "--db", db_url)
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert done.stdout == token + "\n" and token.startswith("vl_") and len(token) > 30
    rows = run_sql(db_url, "SELECT token_hash, role FROM tokens")
    assert rows == [(hashlib.sha256(token.encode()).hexdigest(), "auditor")]
    verify = run_cli("audit", "verify", "--db", db_url)
    assert verify.returncode == 0 and "intact" in verify.stdout


def test_bad_role_and_bad_policy(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    bad = run_cli("token", "create", "--role", "superuser", "--db", db_url)
    assert bad.returncode == 2 and "--role" in bad.stderr and bad.stdout == ""
    serve = run_cli("serve", "--db", db_url, "--policy", "no-such-policy", "--port", "1")
    assert serve.returncode == 2 and "no-such-policy" in serve.stderr
    bad_db = run_cli("audit", "verify", "--db", "mysql://x/y")
    assert bad_db.returncode == 2 and "--db" in bad_db.stderr
