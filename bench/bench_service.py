"""Decision service throughput and latency at 16 concurrent clients, SQLite and PostgreSQL, with and
without a quota, each beside the bare constant endpoint (/healthz) of the same server in the same run.

    .venv/bin/python bench/bench_service.py [--requests 4000] [--clients 16] [--workers 1] [--no-pg]

Real `visalever serve` subprocesses, a real PostgreSQL 15 cluster in a temp dir (when installed), and a
lean keep-alive client (tests/support/load.py) in this process. Prints one line per scenario with
requests/s, p50 and p99 in milliseconds and the ratio to the bare endpoint, then the floor check.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.load import Request, percentile, run_load  # noqa: E402
from tests.support.postgres import PostgresServer, postgres_bin  # noqa: E402
from tests.support.servers import ServeProcess, create_token  # noqa: E402

DAY = "2026-03-10"


def _post(url: str, body: dict, token: str) -> dict:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())


def measure(server: ServeProcess, plans: list[list[Request]]) -> dict:
    """Run the plans once (after a short warm-up) and summarise."""
    t0 = time.perf_counter()
    results = run_load([("127.0.0.1", server.port)], plans)
    elapsed = time.perf_counter() - t0
    lat = [r.latency for r in results]
    bad = [r for r in results if r.status != 200]
    outcomes: dict[str, int] = {}
    for r in results:
        if isinstance(r.body, dict) and "outcome" in r.body:
            outcomes[r.body["outcome"]] = outcomes.get(r.body["outcome"], 0) + 1
    return {"rps": len(results) / elapsed, "p50_ms": percentile(lat, 0.5) * 1000,
            "p99_ms": percentile(lat, 0.99) * 1000, "errors": len(bad), "n": len(results),
            "outcomes": outcomes}


def scenario(label: str, db_url: str, args: argparse.Namespace) -> list[dict]:
    """Bare, decisions without quota, decisions with quota on one fresh database."""
    rows = []
    with ServeProcess(db_url, workers=args.workers, policy=args.policy) as server:
        cw = create_token(db_url, "caseworker")
        admin = create_token(db_url, "policy_admin")
        quota = {"quota_id": "bench", "nationality": "IND", "category": "work", "start": "2026-01-01",
                 "end": "2026-12-31", "limit": 10**9}
        _post(server.base_url + "/v1/quotas", quota, admin)
        per = args.requests // args.clients
        auth = {"Authorization": f"Bearer {cw}"}

        def decisions(nationality: str, tag: str, keyed: bool) -> list[list[Request]]:
            plans = []
            for c in range(args.clients):
                plan = []
                for i in range(per):
                    body = {"application_id": f"{tag}-{c}-{i}", "nationality": nationality,
                            "category": "work", "application_date": DAY}
                    headers = {**auth, "Idempotency-Key": f"{tag}-{c}-{i}"} if keyed else auth
                    plan.append(Request("POST", "/v1/decisions", body, headers))
                plans.append(plan)
            return plans

        bare = [[Request("GET", "/healthz") for _ in range(per)] for _ in range(args.clients)]
        measure(server, [p[: max(1, per // 10)] for p in bare])  # warm-up
        measure(server, decisions("FRA", "warm", False))
        for name, plans in (("bare /healthz", bare), ("decisions, no quota", decisions("FRA", "nq", True)),
                            ("decisions, quota", decisions("IND", "q", True))):
            row = measure(server, plans)
            row.update(backend=label, scenario=name)
            rows.append(row)
    bare_rps = rows[0]["rps"]
    for row in rows:
        row["ratio_to_bare"] = row["rps"] / bare_rps
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000, help="requests per scenario")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="server processes (uvicorn workers)")
    parser.add_argument("--policy", default="uk-statutory")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="visalever-bench-") as tmp:
        rows += scenario("sqlite", f"sqlite:///{tmp}/bench.db", args)
    if not args.no_pg and postgres_bin() is not None:
        with PostgresServer(fsync=True) as pg:
            rows += scenario("postgresql", pg.create_database("bench"), args)
    print(f"{args.clients} clients, {args.requests} requests per scenario, {args.workers} server worker(s)")
    print(f"{'backend':<11} {'scenario':<22} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs bare':>8} errors")
    for r in rows:
        print(f"{r['backend']:<11} {r['scenario']:<22} {r['rps']:8.0f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} "
              f"{r['ratio_to_bare']:8.2f} {r['errors']}")
    q = next(r for r in rows if r["backend"] == "sqlite" and r["scenario"] == "decisions, quota")
    ok = q["rps"] >= 1000 and q["p99_ms"] < 50 and q["ratio_to_bare"] >= 0.40
    print(f"floor (SQLite with quota: >= 1000/s, p99 < 50 ms, >= 40% of bare): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
