"""Caps never over-issue: 32 concurrent clients x 100 decisions against a quota of 500, on one SQLite
server and on two server processes sharing one PostgreSQL database; and the same load with a server
killed (SIGKILL) mid-load, restarted, and clients retrying with the same Idempotency-Key."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from tests.service.helpers import Service, application, run_sql, tokens_for
from tests.support.load import Request, Result, run_load_async
from tests.support.postgres import PostgresServer
from tests.support.servers import ServeProcess

CLIENTS, PER_CLIENT, LIMIT = 32, 100, 500
QUOTA = {"quota_id": "cap", "nationality": "IND", "category": "work", "start": "2026-01-01",
         "end": "2026-12-31", "limit": LIMIT}


def _plans(token: str, tag: str) -> list[list[Request]]:
    auth = {"Authorization": f"Bearer {token}"}
    return [[Request("POST", "/v1/decisions", application(f"{tag}-{c}-{i}", "IND"),
                     {**auth, "Idempotency-Key": f"{tag}-{c}-{i}"}) for i in range(PER_CLIENT)]
            for c in range(CLIENTS)]


def _create_quota(service: Service) -> None:
    with service.client("policy_admin") as c:
        assert c.post("/v1/quotas", json=QUOTA).status_code == 201


def _check(db_url: str, results: list[Result], service: Service) -> None:
    assert len(results) == CLIENTS * PER_CLIENT
    assert all(r.status == 200 for r in results), Counter(r.status for r in results)
    answers = Counter(r.body["outcome"] for r in results)
    assert answers == {"proceed": LIMIT, "quota_exhausted": CLIENTS * PER_CLIENT - LIMIT}, answers
    used = run_sql(db_url, "SELECT used FROM quotas WHERE quota_id = 'cap'")[0][0]
    granted = run_sql(db_url, "SELECT idempotency_key, COUNT(*) FROM decisions WHERE outcome = 'proceed' "
                              "AND quota_id = 'cap' GROUP BY idempotency_key")
    assert all(n == 1 for _, n in granted), "a key was granted twice"
    assert used == len(granted) == LIMIT
    # every client's final answer is the decision stored for its key
    stored = dict(run_sql(db_url, "SELECT idempotency_key, decision_id FROM decisions"))
    assert len(stored) == CLIENTS * PER_CLIENT
    for r in results:
        assert stored[r.request.headers["Idempotency-Key"]] == r.body["decision_id"]
    with service.client("policy_admin") as c:
        assert c.get("/v1/quotas/cap").json()["used"] == LIMIT
    with service.client("auditor") as c:
        report = c.get("/v1/audit/verify").json()
        assert report["ok"], report


def _run(targets: list[ServeProcess], token: str, tag: str, crash: ServeProcess | None = None,
         after: int = 0) -> list[Result]:
    """Run the load; with `crash`, SIGKILL that server once `after` units are granted, then restart it."""

    async def during() -> None:
        if crash is None:
            return
        give_up = time.monotonic() + 120  # if granting never gets that far the test fails below, not hangs
        while await asyncio.to_thread(_used, crash.db_url) < after:
            if time.monotonic() > give_up:
                return
            await asyncio.sleep(0.02)
        crash.kill()
        await asyncio.sleep(0.3)
        await asyncio.to_thread(crash.start)

    return asyncio.run(run_load_async([("127.0.0.1", s.port) for s in targets], _plans(token, tag),
                                      timeout=240, during=during))


def _used(db_url: str) -> int:
    return int(run_sql(db_url, "SELECT used FROM quotas WHERE quota_id = 'cap'")[0][0])


def test_cap_sqlite_one_server(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db_url = f"sqlite:///{tmp_path / 'caps.db'}"
    tokens = tokens_for(db_url)
    with ServeProcess(db_url) as server:
        service = Service(server, db_url, tokens)
        _create_quota(service)
        results = _run([server], tokens["caseworker"], "s")
        _check(db_url, results, service)


def test_cap_sqlite_crash_and_retry(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db_url = f"sqlite:///{tmp_path / 'crash.db'}"
    tokens = tokens_for(db_url)
    server = ServeProcess(db_url).start()
    try:
        service = Service(server, db_url, tokens)
        _create_quota(service)
        results = _run([server], tokens["caseworker"], "sc", crash=server, after=150)
        assert any(r.attempts > 1 for r in results), "the crash did not interrupt any request"
        _check(db_url, results, service)
    finally:
        server.stop()


def test_cap_postgres_two_servers(pg: PostgresServer) -> None:
    db_url = pg.create_database("caps")
    tokens = tokens_for(db_url)
    with ServeProcess(db_url) as a, ServeProcess(db_url) as b:
        service = Service(a, db_url, tokens)
        _create_quota(service)
        results = _run([a, b], tokens["caseworker"], "p")
        _check(db_url, results, service)


def test_cap_postgres_crash_and_retry(pg: PostgresServer) -> None:
    db_url = pg.create_database("crash")
    tokens = tokens_for(db_url)
    a, b = ServeProcess(db_url).start(), ServeProcess(db_url).start()
    try:
        service = Service(b, db_url, tokens)
        _create_quota(service)
        results = _run([a, b], tokens["caseworker"], "pc", crash=a, after=150)
        assert any(r.attempts > 1 for r in results), "the crash did not interrupt any request"
        _check(db_url, results, service)
    finally:
        a.stop()
        b.stop()
