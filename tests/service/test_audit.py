"""The hash-chained audit log: intact after real traffic; altering, deleting or reordering rows
directly in the database (SQLite and PostgreSQL) is detected at the first broken link, by the CLI and
by the endpoint."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.service.helpers import Service, application, run_sql, tokens_for
from tests.support.postgres import PostgresServer
from tests.support.servers import ServeProcess, run_cli


def _traffic(service: Service, n: int = 8) -> None:
    with service.client("caseworker") as c:
        for i in range(n):
            assert c.post("/v1/decisions", json=application(f"audit-{i}", "FRA")).status_code == 200


def _verify_cli(db_url: str) -> tuple[int, dict]:
    done = run_cli("audit", "verify", "--db", db_url, "--format", "json")
    return done.returncode, json.loads(done.stdout)


def _alter(db: str) -> None:
    run_sql(db, "UPDATE audit_log SET payload = replace(payload, 'FRA', 'DEU') WHERE seq = 5")


def _delete(db: str) -> None:
    run_sql(db, "DELETE FROM audit_log WHERE seq = 5")


def _reorder(db: str) -> None:
    run_sql(db, "UPDATE audit_log SET seq = -1 WHERE seq = 5")
    run_sql(db, "UPDATE audit_log SET seq = 5 WHERE seq = 6")
    run_sql(db, "UPDATE audit_log SET seq = 6 WHERE seq = -1")


def _rehash_alter(db: str) -> None:
    """Alter entry 5 and recompute its own hash: the next entry's link still breaks."""
    from visalever.service.audit import entry_hash

    seq, at, kind, subject, actor, payload, prev = run_sql(
        db, "SELECT seq, recorded_at, kind, subject, actor, payload, prev_hash FROM audit_log "
            "WHERE seq = 5")[0]
    payload = payload.replace("proceed", "invalid")
    run_sql(db, "UPDATE audit_log SET payload = ?, entry_hash = ? WHERE seq = 5",
            (payload, entry_hash(prev, seq, at, kind, subject, actor, payload)))


def _truncate(db: str) -> None:
    last = run_sql(db, "SELECT MAX(seq) FROM audit_log")[0][0]
    run_sql(db, "DELETE FROM audit_log WHERE seq = ?", (last,))


TAMPERS: list[tuple[str, Callable[[str], None], int | None]] = [
    ("alter", _alter, 5), ("delete", _delete, 5), ("reorder", _reorder, 5), ("rehash", _rehash_alter, 6),
    ("truncate", _truncate, None),
]


def _verify_lib(db_url: str) -> dict:
    from visalever.service import audit
    from visalever.service.db import open_database, read_tx

    engine = open_database(db_url)
    try:
        with read_tx(engine) as tx:
            return audit.verify(tx).as_dict()
    finally:
        engine.dispose()


def _copy_sqlite(src_url: str, dst_path: str) -> str:
    import sqlite3

    src = sqlite3.connect(src_url.split("///", 1)[1])
    dst = sqlite3.connect(dst_path)
    src.backup(dst)
    src.close()
    dst.close()
    return f"sqlite:///{dst_path}"


def _expect_broken(report: dict, broken: int | None, entries: int) -> None:
    assert not report["ok"], report
    assert report["first_broken_seq"] == (broken if broken is not None else entries), report
    assert report["reason"]


def test_tamper_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db_url = f"sqlite:///{tmp_path / 'audit.db'}"
    with ServeProcess(db_url) as server:
        service = Service(server, db_url, tokens_for(db_url))
        _traffic(service)
        code, report = _verify_cli(db_url)
        assert code == 0 and report["ok"], report
        entries = report["entries"]
        copies = {name: _copy_sqlite(db_url, str(tmp_path / f"{name}.db")) for name, _, _ in TAMPERS}
        _alter(db_url)  # the original, live: the CLI and the endpoint both name the first broken link
        code, report = _verify_cli(db_url)
        assert code == 1
        _expect_broken(report, 5, entries)
        with service.client("auditor") as c:
            assert c.get("/v1/audit/verify").json() == report
    for name, tamper, broken in TAMPERS:
        assert _verify_lib(copies[name])["ok"]
        tamper(copies[name])
        _expect_broken(_verify_lib(copies[name]), broken, entries)


def test_tamper_postgres(pg: PostgresServer) -> None:
    db_url = pg.create_database("audit_src")
    tokens = tokens_for(db_url)
    with ServeProcess(db_url) as server:
        _traffic(Service(server, db_url, tokens))
    entries = _verify_lib(db_url)["entries"]
    copies = {}
    for name, _, _ in TAMPERS:  # template copies (the server is stopped: no open connections)
        run_sql(pg.url, f'CREATE DATABASE "audit_{name}" TEMPLATE "audit_src"')
        copies[name] = db_url.rsplit("/", 1)[0] + f"/audit_{name}"
    with ServeProcess(db_url) as server:
        service = Service(server, db_url, tokens)
        _alter(db_url)
        code, report = _verify_cli(db_url)
        assert code == 1
        _expect_broken(report, 5, entries)
        with service.client("auditor") as c:
            assert c.get("/v1/audit/verify").json() == report
    for name, tamper, broken in TAMPERS:
        assert _verify_lib(copies[name])["ok"]
        tamper(copies[name])
        _expect_broken(_verify_lib(copies[name]), broken, entries)
