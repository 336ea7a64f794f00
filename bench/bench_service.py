"""Decision service throughput and latency at 16 concurrent clients, SQLite and PostgreSQL, with and
without a quota, each beside the bare constant endpoint (/healthz) of the same server in the same run.

    .venv/bin/python bench/bench_service.py [--duration 10] [--clients 16] [--workers 1 2] [--no-pg]
                                            [--load auto|wrk|python] [--requests 4000]

Real `visalever serve` subprocesses (keyed audit chain and checkpoint file, as deployed), a real
PostgreSQL cluster in a temp dir (fsync on; when installed). The
load generator is `wrk -t1 -c16` with bench/wrk_decisions.lua when /usr/bin/wrk exists (a C client
costs the 2-core machine far less CPU than a Python one, which would otherwise be measured as server
slowness), else the lean asyncio client of tests/support/load.py in this process. Every decision
carries a unique application_id and Idempotency-Key, and every answer's status and outcome is
counted. Prints one line per scenario with requests/s, p50 and p99 in milliseconds and the ratio to
the bare endpoint of the same server in the same run, then the floor check.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
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
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk_decisions.lua"


def _post(url: str, body: dict, token: str) -> dict:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())


def tree_cpu(roots: list[int]) -> float:
    """CPU seconds (user + system) used so far by the processes `roots` and all their descendants,
    including children they already reaped (PostgreSQL backends that exited). Why: on a machine
    shared with other work the request rate measures the neighbours too; the CPU a decision costs
    the server and the database does much less."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # after the command: state, ppid, ..., utime (14th field overall), stime, cutime, cstime
        stats[int(entry)] = (int(fields[1]), sum(int(v) for v in fields[11:15]) / ticks)
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    total, todo, seen = 0.0, list(roots), set()
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in stats:
            continue
        seen.add(pid)
        total += stats[pid][1]
        todo.extend(children.get(pid, ()))
    return total


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


def measure_wrk(server: ServeProcess, args: argparse.Namespace, mode: str, token: str = "",
                tag: str = "wrk", nationality: str = "IND", duration: float | None = None) -> dict:
    """One wrk run (`-t1 -c<clients>`) against the server; the Lua script reports counts and percentiles."""
    env = {**os.environ, "VL_MODE": mode, "VL_TOKEN": token, "VL_TAG": tag, "VL_NATIONALITY": nationality}
    secs = duration if duration is not None else args.duration
    cmd = [args.wrk, "-t1", f"-c{args.clients}", f"-d{int(secs)}s", "--timeout", "10s", "-s", str(WRK_SCRIPT),
           server.base_url + ("/healthz" if mode == "bare" else "/v1/decisions")]
    db_roots = [args.pg_pid] if args.pg_pid and "postgresql" in server.db_url else []
    cpu0 = (tree_cpu([server.proc.pid]), tree_cpu(db_roots))  # type: ignore[union-attr]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=secs + 60)
    cpu1 = (tree_cpu([server.proc.pid]), tree_cpu(db_roots))  # type: ignore[union-attr]
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("{")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    r = json.loads(line)
    outcomes = {"proceed" if mode != "bare" else "ok": r["ok"], "other": r["other"]}
    n = max(1, r["requests"])
    return {"rps": r["requests"] / (r["duration_us"] / 1e6), "p50_ms": r["p50_us"] / 1000,
            "p99_ms": r["p99_us"] / 1000, "errors": r["bad_status"] + r["socket_errors"],
            "n": r["requests"], "outcomes": outcomes,
            "cpu_server_us": (cpu1[0] - cpu0[0]) / n * 1e6, "cpu_db_us": (cpu1[1] - cpu0[1]) / n * 1e6}


def audit_env(tmp: str) -> dict[str, str]:
    """Production audit settings: a key made by `audit keygen` and a checkpoint file (1 s interval)."""
    from tests.support.servers import run_cli

    key = Path(tmp) / "audit.key"
    if not key.exists():
        done = run_cli("audit", "keygen", "--out", str(key))
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
    return {"VISALEVER_AUDIT_KEY_FILE": str(key), "VISALEVER_AUDIT_CHECKPOINTS": str(Path(tmp) / "marks.log")}


def scenario(label: str, db_url: str, args: argparse.Namespace, workers: int) -> list[dict]:
    """Bare, decisions without quota, decisions with quota on one fresh database."""
    rows = []
    with ServeProcess(db_url, workers=workers, policy=args.policy, extra_env=args.audit_env) as server:
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

        if args.wrk:
            measure_wrk(server, args, "bare", duration=2)  # warm-up (every worker process)
            measure_wrk(server, args, "decisions", cw, f"warm{workers}", "FRA", duration=2)
            for name, mode, nat, tag in (("bare /healthz", "bare", "", ""),
                                         ("decisions, no quota", "decisions", "FRA", "nq"),
                                         ("decisions, quota", "decisions", "IND", "q")):
                row = measure_wrk(server, args, mode, cw, f"{tag}{workers}", nat)
                row.update(backend=label, scenario=name, workers=workers)
                rows.append(row)
        else:
            bare = [[Request("GET", "/healthz") for _ in range(per)] for _ in range(args.clients)]
            measure(server, [p[: max(1, per // 10)] for p in bare])  # warm-up
            measure(server, decisions("FRA", "warm", False))
            for name, plans in (("bare /healthz", bare),
                                ("decisions, no quota", decisions("FRA", "nq", True)),
                                ("decisions, quota", decisions("IND", "q", True))):
                row = measure(server, plans)
                row.update(backend=label, scenario=name, workers=workers)
                rows.append(row)
    bare_rps = rows[0]["rps"]
    for row in rows:
        row["ratio_to_bare"] = row["rps"] / bare_rps
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario (wrk)")
    parser.add_argument("--requests", type=int, default=4000, help="requests per scenario (python client)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, nargs="+", default=[1],
                        help="server processes (uvicorn workers); several values are measured in turn")
    parser.add_argument("--load", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator: wrk when installed (auto), or the Python client")
    parser.add_argument("--policy", default="uk-statutory")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    args = parser.parse_args()
    args.wrk = shutil.which("wrk") if args.load in ("auto", "wrk") else None
    if args.load == "wrk" and not args.wrk:
        parser.error("--load wrk: wrk is not installed")
    rows: list[dict] = []
    args.pg_pid = None
    keep = tempfile.TemporaryDirectory(prefix="visalever-bench-key-")
    args.audit_env = audit_env(keep.name)  # keyed chain + checkpoints, as deployed
    load_start = os.getloadavg()
    for workers in [] if args.no_sqlite else args.workers:
        with tempfile.TemporaryDirectory(prefix="visalever-bench-") as tmp:
            rows += scenario("sqlite", f"sqlite:///{tmp}/bench.db", args, workers)
    if not args.no_pg and postgres_bin() is not None:
        with PostgresServer(fsync=True) as pg:
            assert pg.root is not None
            args.pg_pid = int((pg.root / "data" / "postmaster.pid").read_text().split()[0])
            for workers in args.workers:
                rows += scenario("postgresql", pg.create_database(f"bench{workers}"), args, workers)
    load = f"wrk -t1 -c{args.clients} -d{args.duration}s" if args.wrk else \
        f"python client, {args.clients} clients, {args.requests} requests"
    print(f"load: {load} per scenario; {os.cpu_count()} CPUs; load average (1 min) "
          f"{load_start[0]:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
    print(f"{'backend':<11} {'wk':>2} {'scenario':<22} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'vs bare':>8} {'cpu us/req server+db':>21} errors outcomes")
    for r in rows:
        cpu = (f"{r['cpu_server_us']:8.0f} + {r['cpu_db_us']:6.0f}     " if "cpu_server_us" in r
               else f"{'-':>21}")
        print(f"{r['backend']:<11} {r['workers']:>2} {r['scenario']:<22} {r['rps']:8.0f} {r['p50_ms']:8.2f} "
              f"{r['p99_ms']:8.2f} {r['ratio_to_bare']:8.2f} {cpu} {r['errors']:>6} {r['outcomes']}")
    for q in (r for r in rows if r["backend"] == "sqlite" and r["scenario"] == "decisions, quota"):
        ok = q["rps"] >= 1000 and q["p99_ms"] < 50 and q["ratio_to_bare"] >= 0.40 and q["errors"] == 0
        print(f"floor (SQLite with quota, {q['workers']} worker(s): >= 1000/s, p99 < 50 ms, >= 40% of bare): "
              f"{'met' if ok else 'NOT met'}")
    for q in (r for r in rows if r["backend"] == "postgresql" and r["scenario"] == "decisions, quota"):
        ok = q["rps"] >= 2500 and q["p99_ms"] < 25 and q["errors"] == 0
        print(f"target (PostgreSQL with quota, {q['workers']} worker(s): >= 2500/s, p99 < 25 ms): "
              f"{'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
