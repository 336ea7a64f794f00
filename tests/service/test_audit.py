"""The audit log against an insider with write access to the database (SQLite and PostgreSQL).

The service runs with an audit key made by `visalever audit keygen` and writes signed checkpoints to
a file outside the database. Each tamper below is applied to a copy of a database after real traffic
(a quota, grants, refusals, idempotency keys), and verification under the key and the checkpoints
must name it. The first five passed the unkeyed, table-blind verification of issue 17 (defect 6).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.service.helpers import Service, application, run_sql, tokens_for
from tests.support.postgres import PostgresServer
from tests.support.servers import ServeProcess, run_cli

from visalever.service import audit

QUOTA = {"quota_id": "cap", "nationality": "IND", "category": "work", "start": "2026-01-01",
         "end": "2026-12-31", "limit": 4}


@dataclass
class Source:
    """A database after traffic, with its key and checkpoint file, and a way to copy it."""

    db_url: str
    key_file: Path
    checkpoints: Path
    copy: Callable[[str], str]

    @property
    def key(self) -> bytes:
        return audit.read_key(self.key_file)


def _traffic(service: Service) -> None:
    with service.client("policy_admin") as c:
        assert c.post("/v1/quotas", json=QUOTA).status_code == 201
    with service.client("caseworker") as c:
        for i in range(10):  # 4 grants under the cap, then quota_exhausted; FRA has no quota
            nat = "IND" if i % 3 else "FRA"
            r = c.post("/v1/decisions", json=application(f"audit-{i}", nat),
                       headers={"Idempotency-Key": f"k{i}"})
            assert r.status_code == 200, r.text


def _serve_env(key_file: Path, checkpoints: Path) -> dict[str, str]:
    return {"VISALEVER_AUDIT_KEY_FILE": str(key_file), "VISALEVER_AUDIT_CHECKPOINTS": str(checkpoints),
            "VISALEVER_AUDIT_CHECKPOINT_INTERVAL": "0"}


def _keygen(path: Path) -> Path:
    done = run_cli("audit", "keygen", "--out", str(path))
    assert done.returncode == 0, done.stderr
    assert len(path.read_text().strip()) == 64 and (path.stat().st_mode & 0o077) == 0
    again = run_cli("audit", "keygen", "--out", str(path))
    assert again.returncode != 0 and "never overwritten" in again.stderr
    return path


def _sqlite_copy(src_url: str, tmp: Path) -> Callable[[str], str]:
    import sqlite3

    def copy(name: str) -> str:
        dst_path = tmp / f"{name}.db"
        src, dst = sqlite3.connect(src_url.split("///", 1)[1]), sqlite3.connect(dst_path)
        src.backup(dst)
        src.close()
        dst.close()
        return f"sqlite:///{dst_path}"

    return copy


@pytest.fixture(scope="module")
def sqlite_source(tmp_path_factory: pytest.TempPathFactory) -> Source:
    tmp = tmp_path_factory.mktemp("audit-sqlite")
    key_file, marks = _keygen(tmp / "audit.key"), tmp / "checkpoints.log"
    db_url = f"sqlite:///{tmp / 'audit.db'}"
    tokens = tokens_for(db_url)
    with ServeProcess(db_url, extra_env=_serve_env(key_file, marks)) as server:
        service = Service(server, db_url, tokens)
        _traffic(service)
        code, report = _verify_cli(db_url, key_file, marks)
        assert code == 0 and report["ok"] and report["keyed"] and report["checkpoints"], report
        with service.client("auditor") as c:  # the server verifies with its own key and checkpoints
            assert c.get("/v1/audit/verify").json() == report
    return Source(db_url, key_file, marks, _sqlite_copy(db_url, tmp))


@pytest.fixture(scope="module")
def pg_source(pg: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Source:
    tmp = tmp_path_factory.mktemp("audit-pg")
    key_file, marks = _keygen(tmp / "audit.key"), tmp / "checkpoints.log"
    db_url = pg.create_database("audit_src")
    tokens = tokens_for(db_url)
    with ServeProcess(db_url, extra_env=_serve_env(key_file, marks)) as server:
        _traffic(Service(server, db_url, tokens))

    def copy(name: str) -> str:  # template copy (the server is stopped: no open connections)
        run_sql(pg.url, f'CREATE DATABASE "audit_{name}" TEMPLATE "audit_src"')
        return db_url.rsplit("/", 1)[0] + f"/audit_{name}"

    return Source(db_url, key_file, marks, copy)


@pytest.fixture(params=["sqlite", "pg"])
def source(request: pytest.FixtureRequest) -> Iterator[Source]:
    yield request.getfixturevalue(f"{request.param}_source")


def _verify_cli(db_url: str, key_file: Path | None, marks: Path | None) -> tuple[int, dict]:
    args = ["audit", "verify", "--db", db_url, "--format", "json"]
    if key_file:
        args += ["--key-file", str(key_file)]
    if marks:
        args += ["--checkpoints", str(marks)]
    done = run_cli(*args, env={"VISALEVER_AUDIT_KEY_FILE": "", "VISALEVER_AUDIT_CHECKPOINTS": ""})
    return done.returncode, json.loads(done.stdout)


def _verify(db_url: str, key: bytes | None, marks: Path | None) -> audit.Verification:
    from visalever.service.db import open_database, read_tx

    engine = open_database(db_url)
    try:
        with read_tx(engine) as tx:
            return audit.verify(tx, key=key, checkpoints=marks)
    finally:
        engine.dispose()


def _last(db: str) -> int:
    return int(run_sql(db, "SELECT MAX(seq) FROM audit_log")[0][0])


def _first_grant(db: str) -> tuple[str, str]:
    return run_sql(db, "SELECT decision_id, idempotency_key FROM decisions WHERE outcome = 'proceed' "
                       "AND quota_id = 'cap' ORDER BY decision_id LIMIT 1")[0]


# --- the five tampers that went unnoticed (issue 17, defect 6) ---------------------------------------


def truncate_everything(db: str) -> None:
    """Cut the last 3 decisions out of the log AND every table, and reset the head to match: every
    table agrees with the shorter log; only the checkpoints remember the longer one."""
    last = _last(db)
    doomed = [r[0] for r in run_sql(db, "SELECT subject FROM audit_log WHERE seq > ?", (last - 3,))]
    for decision_id in doomed:
        run_sql(db, "DELETE FROM idempotency_keys WHERE idem_key IN "
                    "(SELECT idempotency_key FROM decisions WHERE decision_id = ?)", (decision_id,))
        run_sql(db, "DELETE FROM decisions WHERE decision_id = ?", (decision_id,))
    run_sql(db, "DELETE FROM audit_log WHERE seq > ?", (last - 3,))
    run_sql(db, "UPDATE quotas SET used = (SELECT COUNT(*) FROM decisions WHERE quota_id = 'cap' "
                "AND outcome = 'proceed') WHERE quota_id = 'cap'")
    seq, digest = run_sql(db, "SELECT seq, entry_hash FROM audit_log WHERE seq = ?", (last - 3,))[0]
    run_sql(db, "UPDATE counters SET value = ?, text_value = ? WHERE name = 'audit_head'", (seq, digest))


def rehash_chain(db: str) -> None:
    """Turn a grant into a refusal in the log AND the decisions row, then recompute every hash from
    there with the code's own `entry_hash` (the attacker has the code, not the key)."""
    decision_id, _ = _first_grant(db)
    rows = run_sql(db, "SELECT seq, recorded_at, kind, subject, actor, payload, prev_hash FROM audit_log "
                       "ORDER BY seq")
    prev = None
    for seq, at, kind, subject, actor, payload, prev_hash in rows:
        if subject == decision_id:
            payload = payload.replace('"outcome":"proceed"', '"outcome":"invalid"')
            body = json.loads(payload)["decision"]
            run_sql(db, "UPDATE decisions SET outcome = 'invalid', body = ? WHERE decision_id = ?",
                    (audit.canonical_json_fast(body), decision_id))
        if prev is not None:
            prev_hash = prev
        prev = audit.entry_hash(prev_hash, seq, at, kind, subject, actor, payload, key=None)
        run_sql(db, "UPDATE audit_log SET payload = ?, prev_hash = ?, entry_hash = ? WHERE seq = ?",
                (payload, prev_hash, prev, seq))
    run_sql(db, "UPDATE counters SET text_value = ? WHERE name = 'audit_head'", (prev,))


def edit_outcome(db: str) -> None:
    run_sql(db, "UPDATE decisions SET outcome = 'invalid' WHERE decision_id = ?", (_first_grant(db)[0],))


def edit_quota_used(db: str) -> None:
    run_sql(db, "UPDATE quotas SET used = used - 1 WHERE quota_id = 'cap'")  # frees a unit to re-issue


def edit_idempotency(db: str) -> None:
    """Point a granted key's stored answer at a refusal: the client's retry now reads 'refused'."""
    _, key = _first_grant(db)
    other = run_sql(db, "SELECT body FROM decisions WHERE outcome = 'quota_exhausted' LIMIT 1")[0][0]
    run_sql(db, "UPDATE idempotency_keys SET response = ? WHERE idem_key = ?", (other, key))


# --- and the ones the plain chain already caught, kept --------------------------------------------------


def alter_payload(db: str) -> None:
    seq = run_sql(db, "SELECT MIN(seq) FROM audit_log WHERE kind = 'decision' AND payload LIKE ?",
                  ("%FRA%",))[0][0]
    run_sql(db, "UPDATE audit_log SET payload = replace(payload, 'FRA', 'DEU') WHERE seq = ?", (seq,))


def delete_entry(db: str) -> None:
    run_sql(db, "DELETE FROM audit_log WHERE seq = ?", (_last(db) - 2,))


def delete_decision(db: str) -> None:
    run_sql(db, "DELETE FROM decisions WHERE decision_id = ?", (_first_grant(db)[0],))


def forge_checkpoint(marks: Path) -> Path:
    lines = marks.read_text().splitlines()
    item = json.loads(lines[-1])
    item["seq"] -= 1
    forged = marks.with_name("forged.log")
    forged.write_text("\n".join([*lines[:-1], json.dumps(item)]) + "\n")
    return forged


TAMPERS: list[tuple[Callable[[str], None], str]] = [
    (truncate_everything, "cut short"), (rehash_chain, "not keyed"), (edit_outcome, "decisions.outcome"),
    (edit_quota_used, "used = "), (edit_idempotency, "Idempotency-Key"),
    (alter_payload, "altered"), (delete_entry, "missing"), (delete_decision, "row deleted"),
]


@pytest.mark.parametrize(("tamper", "named"), TAMPERS, ids=[t.__name__ for t, _ in TAMPERS])
def test_tamper_is_detected(source: Source, tamper: Callable[[str], None], named: str) -> None:
    db = source.copy(tamper.__name__)
    assert _verify(db, source.key, source.checkpoints).ok
    tamper(db)
    report = _verify(db, source.key, source.checkpoints)
    assert not report.ok and named in (report.reason or ""), report


def test_forged_checkpoint_is_detected(source: Source) -> None:
    report = _verify(source.db_url, source.key, forge_checkpoint(source.checkpoints))
    assert not report.ok and "signature" in (report.reason or ""), report


def test_unkeyed_verification_says_so(sqlite_source: Source) -> None:
    """Without the key the walk cannot check a keyed chain and says why; the text output is loud."""
    code, report = _verify_cli(sqlite_source.db_url, None, None)
    assert code == 1 and not report["keyed"] and "verify with the same key" in report["reason"], report
    assert any(w.startswith("UNKEYED") for w in report["warnings"])
    done = run_cli("audit", "verify", "--db", sqlite_source.db_url, "--key-file", str(sqlite_source.key_file),
                   env={"VISALEVER_AUDIT_CHECKPOINTS": ""})
    assert done.returncode == 0 and "keyed (HMAC-SHA256)" in done.stdout
    assert "no checkpoint file given" in done.stderr


def test_last_checkpoint_written_at_shutdown(tmp_path: Path) -> None:
    """With a long interval, the head committed last is checkpointed when the server stops."""
    key_file, marks = tmp_path / "k", tmp_path / "marks.log"
    audit.write_new_key(key_file)
    db_url = f"sqlite:///{tmp_path / 'stop.db'}"
    tokens = tokens_for(db_url)
    env = {**_serve_env(key_file, marks), "VISALEVER_AUDIT_CHECKPOINT_INTERVAL": "3600"}
    with ServeProcess(db_url, extra_env=env) as server:
        with Service(server, db_url, tokens).client("caseworker") as c:
            for i in range(3):
                assert c.post("/v1/decisions", json=application(f"stop-{i}")).status_code == 200
    head = run_sql(db_url, "SELECT value FROM counters WHERE name = 'audit_head'")[0][0]
    assert max(audit.read_checkpoints(marks, audit.read_key(key_file))) == head
