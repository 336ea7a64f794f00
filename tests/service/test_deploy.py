"""docs/DEPLOY.md on one machine: three `visalever serve` processes (as if on three hosts behind a
load balancer) share one PostgreSQL, one audit key and write one checkpoint file each. Under load
against a cap, PostgreSQL is killed (-9) twice and one server once, each restarted.

Holds: used = distinct grants = the limit, one decision per Idempotency-Key, no 500 at any attempt
(503 + Retry-After while the database is down, which the clients retry), every process serving
again without a restart, and `audit verify --checkpoints` over the three files passing.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import pytest
from tests.conftest import missing
from tests.service.helpers import Service, application, run_sql, tokens_for
from tests.support.load import Request, run_load_async
from tests.support.postgres import PostgresServer, postgres_bin
from tests.support.servers import ServeProcess, free_port, run_cli

from visalever.service import audit

CLIENTS, PER_CLIENT, LIMIT = 24, 25, 300
QUOTA = {"quota_id": "deploy", "nationality": "IND", "category": "work", "start": "2026-01-01",
         "end": "2026-12-31", "limit": LIMIT}


@pytest.fixture()
def cluster() -> PostgresServer:
    """A cluster of its own: this test kills it."""
    if postgres_bin() is None:
        missing("postgresql server binaries (apt-get install postgresql)")
    server = PostgresServer(port=free_port()).start()
    yield server
    server.stop()


def _used(db_url: str) -> int:
    return int(run_sql(db_url, "SELECT used FROM quotas WHERE quota_id = 'deploy'")[0][0])


async def _wait_used(db_url: str, at_least: int, give_up: float) -> None:
    while time.monotonic() < give_up:
        if await asyncio.to_thread(_used, db_url) >= at_least:
            return
        await asyncio.sleep(0.02)


def test_three_servers_one_database_through_crashes(cluster: PostgresServer, tmp_path: Path) -> None:
    db_url = cluster.url
    key = audit.write_new_key(tmp_path / "audit.key")
    marks = [tmp_path / f"host{i}-checkpoints.log" for i in range(3)]
    servers = [ServeProcess(db_url, extra_env={"VISALEVER_AUDIT_KEY_FILE": str(key),
                                               "VISALEVER_AUDIT_CHECKPOINTS": str(m),
                                               "VISALEVER_AUDIT_CHECKPOINT_INTERVAL": "0.2"})
               for m in marks]
    tokens = tokens_for(db_url)
    try:
        for server in servers:
            server.start()
        with Service(servers[0], db_url, tokens).client("policy_admin") as c:
            assert c.post("/v1/quotas", json=QUOTA).status_code == 201
        auth = {"Authorization": f"Bearer {tokens['caseworker']}"}
        plans = [[Request("POST", "/v1/decisions", application(f"d-{c}-{i}", "IND"),
                          {**auth, "Idempotency-Key": f"d-{c}-{i}"}) for i in range(PER_CLIENT)]
                 for c in range(CLIENTS)]

        async def crashes() -> None:
            give_up = time.monotonic() + 120
            await _wait_used(db_url, 40, give_up)
            cluster.kill()
            await asyncio.sleep(1.0)
            await asyncio.to_thread(cluster.restart)
            await _wait_used(db_url, 120, give_up)
            servers[1].kill()
            await asyncio.sleep(0.3)
            await asyncio.to_thread(servers[1].start)
            await _wait_used(db_url, 200, give_up)
            cluster.kill()
            await asyncio.sleep(0.5)
            await asyncio.to_thread(cluster.restart)

        results = asyncio.run(run_load_async([("127.0.0.1", s.port) for s in servers], plans, timeout=240,
                                             during=crashes))
        assert len(results) == CLIENTS * PER_CLIENT
        assert all(r.status == 200 for r in results), Counter(r.status for r in results)
        retried = Counter(s for r in results for s in r.retried)
        assert 500 not in retried and retried[503] > 0, retried  # the outages were seen, as 503s
        assert Counter(r.body["outcome"] for r in results) == {
            "proceed": LIMIT, "quota_exhausted": CLIENTS * PER_CLIENT - LIMIT}
        used = _used(db_url)
        per_key = run_sql(db_url, "SELECT idempotency_key, COUNT(*) FROM decisions GROUP BY idempotency_key")
        assert len(per_key) == CLIENTS * PER_CLIENT and all(n == 1 for _, n in per_key)
        granted = run_sql(db_url, "SELECT COUNT(*) FROM decisions WHERE outcome = 'proceed' "
                                  "AND quota_id = 'deploy'")[0][0]
        assert used == granted == LIMIT
        for server in servers:  # every process serves again, none was restarted for the outages
            with Service(server, db_url, tokens).client("caseworker") as c:
                assert c.get("/readyz").status_code == 200
                after = c.post("/v1/decisions", json=application(f"after-{server.port}", "FRA"))
                assert after.status_code == 200, after.text
    finally:
        for server in servers:
            server.stop()  # flushes each host's last checkpoint
    args = ["audit", "verify", "--db", db_url, "--key-file", str(key)]
    for m in marks:
        assert m.read_text().strip(), f"{m} is empty"
        args += ["--checkpoints", str(m)]
    done = run_cli(*args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "keyed (HMAC-SHA256)" in done.stdout and "WARNING" not in done.stderr
