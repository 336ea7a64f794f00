"""Benchmark: in-process `decide` per call (median, warm) and `replay` over 3.5M rows vs decide per record.

Baselines measured in the same run: `resolve` without its cache (what decide would cost if it rebuilt the
law per call), and `decide` looped over a sample of the replay records. Synthetic applications (seeded,
uniform over countries and categories); they are for timing only, not figures.
Run: .venv/bin/python bench/bench_decide.py [--rows 3500000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

import numpy as np
import polars as pl

from visalever.policy import Application, decide, load_policy, replay
from visalever.policy.codes import known_iso3
from visalever.policy.resolve import _TABLES, resolve


def _median_us(fn, n: int) -> float:
    samples = []
    for _ in range(n):
        t = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - t)
    return statistics.median(samples) / 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=3_500_000)
    args = ap.parse_args()
    policy = load_policy("uk-transactional-2025")
    day = dt.date(2026, 1, 10)
    app = Application(
        application_id="b",
        nationality="COD",
        category="visit",
        application_date=day,
        priority_service=True,
        exemptions=[],
    )
    decide(app, policy)  # warm: resolve once and cache
    d_us = _median_us(lambda: decide(app, policy), 20_000)

    def cold() -> None:
        _TABLES.clear()
        resolve(policy, day)

    cold_us = _median_us(cold, 20)
    print(f"decide (warm, median of 20000): {d_us:.1f} us/call")
    print(
        f"resolve without cache (baseline, median of 20): {cold_us / 1000:.1f} ms; "
        f"cache ratio {cold_us / d_us:.0f}x"
    )

    rng = np.random.default_rng(2025)
    codes = np.array(known_iso3())
    cats = np.array(["visit", "study", "work", "family", "other"])
    n = args.rows
    frame = pl.DataFrame(
        {
            "application_id": np.arange(n).astype(str),
            "nationality": codes[rng.integers(0, len(codes), n)],
            "category": cats[rng.integers(0, 5, n)],
            "application_date": pl.Series(np.datetime64("2026-01-01") + rng.integers(0, 60, n)).cast(pl.Date),
            "priority_service": rng.random(n) < 0.1,
        }
    )
    replay(frame.head(10), policy, day)  # warm
    t = time.perf_counter()
    out = replay(frame, policy, day)
    replay_s = time.perf_counter() - t
    sample = frame.head(20_000).to_dicts()
    t = time.perf_counter()
    for r in sample:
        decide(Application(**r), policy, day)
    per_record = (time.perf_counter() - t) / len(sample)
    loop_s = per_record * n
    print(f"replay {n:,} rows: {replay_s:.3f} s ({out.height:,} rows out)")
    print(
        f"decide per record incl. Application validation "
        f"(20,000 sampled, extrapolated to {n:,}): {loop_s:.1f} s"
    )
    print(f"replay speed-up vs decide loop: {loop_s / replay_s:.0f}x")


if __name__ == "__main__":
    main()
