"""Crash soak: several `visalever serve` processes on one PostgreSQL under load against a cap, while
servers and PostgreSQL itself are killed (-9) again and again and restarted.

    .venv/bin/python bench/soak_crashes.py [--servers 4] [--clients 64] [--per-client 60]
                                           [--limit 2000] [--server-kills 20] [--pg-kills 8]

Every request carries its own Idempotency-Key and is retried by its client (503 while the database is
down, a dropped connection when its server died: on the next server) until it is answered; each
client sends each request to the next server, so restarted servers get traffic again. At the end
it checks and prints: used = distinct grants <= limit, one decision per key, no 500 at any attempt,
every server answering /readyz and a decision without being restarted for the database outages, and
`audit verify --checkpoints` over every server's checkpoint file (keyed chain). Exit 1 if any fails.
Not a test (it takes minutes); tests/service/test_deploy.py runs a small version in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.service.helpers import Service, application, run_sql, tokens_for  # noqa: E402
from tests.support.load import Request, run_load_async  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402
from tests.support.servers import ServeProcess, free_port, run_cli  # noqa: E402

from visalever.service import audit  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--per-client", type=int, default=60)
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--server-kills", type=int, default=20)
    parser.add_argument("--pg-kills", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="visalever-soak-"))
    cluster = PostgresServer(port=free_port(), fsync=True).start()
    failures: list[str] = []
    try:
        db_url = cluster.url
        key = audit.write_new_key(tmp / "audit.key")
        marks = [tmp / f"host{i}.checkpoints" for i in range(args.servers)]
        servers = [ServeProcess(db_url, extra_env={"VISALEVER_AUDIT_KEY_FILE": str(key),
                                                   "VISALEVER_AUDIT_CHECKPOINTS": str(m),
                                                   "VISALEVER_AUDIT_CHECKPOINT_INTERVAL": "0.2",
                                                   "VISALEVER_DB_WAIT": "60"}, startup_timeout=90)
                   for m in marks]
        tokens = tokens_for(db_url)
        for server in servers:
            server.start()
        with Service(servers[0], db_url, tokens).client("policy_admin") as c:
            r = c.post("/v1/quotas", json={"quota_id": "soak", "nationality": "IND", "category": "work",
                                           "start": "2026-01-01", "end": "2026-12-31", "limit": args.limit})
            assert r.status_code == 201, r.text
        auth = {"Authorization": f"Bearer {tokens['caseworker']}"}
        plans = [[Request("POST", "/v1/decisions", application(f"s-{c}-{i}", "IND"),
                          {**auth, "Idempotency-Key": f"s-{c}-{i}"}) for i in range(args.per_client)]
                 for c in range(args.clients)]
        total = args.clients * args.per_client
        kills = Counter()

        async def crashes() -> None:
            events = ["server"] * args.server_kills + ["pg"] * args.pg_kills
            rng.shuffle(events)
            for event in events:
                await asyncio.sleep(rng.uniform(0.3, 1.5))
                if event == "pg":
                    cluster.kill()
                    await asyncio.sleep(rng.uniform(0.2, 1.5))
                    await asyncio.to_thread(cluster.restart)
                else:
                    victim = rng.choice(servers)
                    victim.kill()
                    await asyncio.sleep(0.2)
                    await asyncio.to_thread(victim.start)
                kills[event] += 1

        started = time.monotonic()
        results = asyncio.run(run_load_async([("127.0.0.1", s.port) for s in servers], plans, timeout=900,
                                             during=crashes, rotate=True))
        elapsed = time.monotonic() - started
        statuses = Counter(r.status for r in results)
        retried = Counter(s for r in results for s in r.retried)
        outcomes = Counter(r.body["outcome"] for r in results
                           if isinstance(r.body, dict) and "outcome" in r.body)
        used = int(run_sql(db_url, "SELECT used FROM quotas WHERE quota_id = 'soak'")[0][0])
        grants = int(run_sql(db_url, "SELECT COUNT(*) FROM decisions WHERE outcome = 'proceed' "
                                     "AND quota_id = 'soak'")[0][0])
        per_key = run_sql(db_url, "SELECT idempotency_key, COUNT(*) FROM decisions GROUP BY idempotency_key")
        doubles = sum(1 for _, n in per_key if n > 1)
        print(f"{total} decisions by {args.clients} clients over {args.servers} servers in {elapsed:.0f} s; "
              f"kills: {kills['server']} servers, {kills['pg']} PostgreSQL (-9)")
        print(f"final statuses {dict(statuses)}; retried attempts {dict(retried)}; outcomes {dict(outcomes)}")
        print(f"quota: limit {args.limit}, used {used}, distinct grants {grants}; keys with 2+ decisions: "
              f"{doubles}; decisions recorded {len(per_key)}")
        if statuses != Counter({200: total}):
            failures.append(f"not every request answered 200: {dict(statuses)}")
        if 500 in retried:
            failures.append(f"{retried[500]} attempts answered 500")
        if not (used == grants <= args.limit):
            failures.append(f"used {used}, grants {grants}, limit {args.limit}")
        if doubles or len(per_key) != total:
            failures.append(f"{doubles} keys decided twice; {len(per_key)} decisions for {total} keys")
        if outcomes.get("proceed", 0) != grants:
            failures.append(f"{outcomes.get('proceed', 0)} answers proceed against {grants} grants recorded")
        for server in servers:
            with Service(server, db_url, tokens).client("caseworker") as c:
                ready = c.get("/readyz").status_code
                after = c.post("/v1/decisions", json=application(f"after-{server.port}", "FRA")).status_code
            if (ready, after) != (200, 200):
                failures.append(f"server {server.port}: /readyz {ready}, decision {after} after the soak")
    finally:
        for server in servers:
            server.stop()
    verify = ["audit", "verify", "--db", db_url, "--key-file", str(key)]
    for m in marks:
        verify += ["--checkpoints", str(m)]
    done = run_cli(*verify, timeout=600)
    print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr.strip())
    if done.returncode != 0:
        failures.append(f"audit verify exit {done.returncode}: {done.stdout[-500:]} {done.stderr[-500:]}")
    cluster.stop()
    for failure in failures:
        print("FAILED:", failure)
    print("soak:", "passed" if not failures else "FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    os.environ.setdefault("VISALEVER_REQUIRE_ALL", "1")
    raise SystemExit(main())
