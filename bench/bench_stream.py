"""Benchmark: stream 1M / 10M (/ 100M with --full) synthetic applications through replay in batches.

Run: .venv/bin/python bench/bench_stream.py [--batch 1000000] [--full] [--policy uk-transactional-2025]

Each scale runs in a fresh subprocess so its peak resident memory (ru_maxrss) is its own. Per batch:
draw SYNTHETIC records (shares of the real 2025 flows, seeded), `policy.replay` them, and fold the
per-cell sums (`cells.replay_cell_aggregates`) into a running total; only the running total and one
batch are ever held. Reports wall time split into generation and replay+aggregation, records per
second, the growth factor between scales (linear = 10x per 10x records) and peak memory (< 2 GB target).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import date

import polars as pl


def run_one(records: int, batch: int, policy_id: str, as_of: str, seed: int) -> dict[str, float]:
    """Stream `records` through replay; return timings and peak RSS of this process."""
    from visalever import policy as law
    from visalever.simulate.behaviour import load_behaviour
    from visalever.simulate.cells import replay_cell_aggregates
    from visalever.simulate.flows import load_flows
    from visalever.simulate.microdata import stream

    flows = load_flows(2025)
    beh = load_behaviour()
    pol = law.load_policy(policy_id)
    when = date.fromisoformat(as_of)
    t0 = time.perf_counter()
    law.resolve(pol, when)  # one-time: country contexts and the measures table (cached afterwards)
    t_setup = time.perf_counter() - t0
    cols = ["application_id", "nationality", "category", "application_date", "priority_service", "exemptions"]
    t_gen = t_replay = 0.0
    total: pl.DataFrame | None = None
    gen = stream(flows, beh.per_category_central("refusal_rate"), records=records, batch_size=batch,
                 priority_share=beh.central("priority_service_share"), seed=seed)
    t_start = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        frame = next(gen, None)
        t_gen += time.perf_counter() - t0
        if frame is None:
            break
        t0 = time.perf_counter()
        inp = frame.select([c for c in cols if c in frame.columns])
        sums = replay_cell_aggregates(law.replay(inp, pol, when))
        total = sums if total is None else pl.concat([total, sums]).group_by("nationality", "category").agg(
            pl.all().sum()
        )
        t_replay += time.perf_counter() - t0
    wall = time.perf_counter() - t_start
    n = int(total["n"].sum()) if total is not None else 0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {"records": n, "wall_s": wall, "generate_s": t_gen, "replay_aggregate_s": t_replay,
            "peak_mb": peak_mb, "setup_s": t_setup}


def main() -> int:
    ap = argparse.ArgumentParser(description="streaming replay benchmark")
    ap.add_argument("--batch", type=int, default=1_000_000)
    ap.add_argument("--full", action="store_true", help="also run 100 million records (minutes)")
    ap.add_argument("--policy", default="uk-transactional-2025")
    ap.add_argument("--as-of", default="2025-12-31")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.batch, args.policy, args.as_of, args.seed)))
        return 0
    scales = [1_000_000, 10_000_000] + ([100_000_000] if args.full else [])
    print(f"SYNTHETIC records, batch {args.batch:,}, policy {args.policy} as of {args.as_of}")
    heads = ("wall s", "gen s", "replay+agg s", "M rec/s", "growth", "peak MB")
    print(f"{'records':>12} " + " ".join(f"{h:>13}" for h in heads))
    prev = None
    ok = True
    for n in scales:
        cmd = [sys.executable, __file__, "--one", str(n), "--batch", str(args.batch), "--policy", args.policy,
               "--as-of", args.as_of, "--seed", str(args.seed)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"{n:,} records: run failed:\n{proc.stderr[-2000:]}")
            return 1
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        growth = f"{r['wall_s'] / prev:.1f}x" if prev else "-"
        prev = r["wall_s"]
        ok &= r["peak_mb"] < 2048 and r["records"] == n
        cells = (f"{r['wall_s']:.2f}", f"{r['generate_s']:.2f}", f"{r['replay_aggregate_s']:.2f}",
                 f"{r['records'] / r['wall_s'] / 1e6:.2f}", growth, f"{r['peak_mb']:.0f}")
        print(f"{r['records']:>12,} " + " ".join(f"{c:>13}" for c in cells))
    print(f"wall excludes the one-time resolve of the measures table ({r['setup_s']:.2f} s in the last run)")
    print(f"peak memory < 2 GB at every scale: {'OK' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
