"""Benchmark: 1,000 Monte Carlo draws over all countries x 5 categories, vectorised vs a per-draw loop.

Run: .venv/bin/python bench/bench_montecarlo.py [--draws 1000] [--repeat 5]

Uses the snapshot's real 2025 flows and the measures that `visalever.policy.resolve` gives for
uk-transactional-2025 vs uk-statutory. The baseline is the same model evaluated one draw at a time in a
Python loop, measured in the same run; the ratio is printed.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date

import numpy as np

from visalever.simulate.behaviour import CATEGORIES, draw_parameters, load_behaviour
from visalever.simulate.cells import affected_share, cells_from_measures
from visalever.simulate.montecarlo import simulate_draws


def inputs() -> tuple[str, np.ndarray, list[str], object, object]:
    """(description, grants, iso3, base cells, reform cells) from the real snapshot and policies."""
    from visalever.simulate.flows import load_flows

    flows = load_flows(2025)
    from visalever import policy

    as_of = date(2025, 12, 31)
    base = policy.resolve(policy.load_policy("uk-statutory"), as_of).frame
    reform = policy.resolve(policy.load_policy("uk-transactional-2025"), as_of).frame
    return (
        "snapshot 2025 flows; uk-transactional-2025 vs uk-statutory",
        flows.grants,
        flows.iso3,
        cells_from_measures(base, flows.iso3),
        cells_from_measures(reform, flows.iso3),
    )


def loop_baseline(grants, base, reform, params, affected, unallocated) -> dict[str, np.ndarray]:
    """The same model, one draw at a time (what a straightforward implementation would do)."""
    d = params["refusal_rate"].shape[0]
    out = {}
    for i in range(d):
        one = {k: v[i : i + 1] for k, v in params.items()}
        r = simulate_draws(grants, base, reform, one, affected=affected, unallocated=unallocated)
        for k, v in r.totals.items():
            out.setdefault(k, np.empty(d))[i] = v[0]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    desc, grants, iso3, base, reform = inputs()
    beh = load_behaviour()
    aff = affected_share(base, reform, beh.per_category_central("priority_service_share")[None, :])
    gap = np.zeros(len(CATEGORIES))

    def vectorised() -> object:
        params = draw_parameters(beh, args.draws, seed=1)
        return simulate_draws(grants, base, reform, params, affected=aff, unallocated=gap)

    vectorised()  # warm
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        res = vectorised()
        times.append(time.perf_counter() - t0)
    best = min(times)
    params = draw_parameters(beh, args.draws, seed=1)
    t0 = time.perf_counter()
    loop = loop_baseline(grants, base, reform, params, aff, gap)
    t_loop = time.perf_counter() - t0
    assert np.allclose(loop["visas_not_issued"], res.totals["visas_not_issued"])
    print(f"inputs: {desc}: {len(iso3)} countries x {len(CATEGORIES)} categories, {args.draws} draws")
    print(f"vectorised (draws + model + per-country sums), best of {args.repeat}: {best:.4f} s")
    print(f"per-draw Python loop (same model, same draws):                      {t_loop:.4f} s")
    print(f"ratio loop / vectorised: {t_loop / best:.1f}x; target <= 2 s: {'OK' if best <= 2 else 'MISSED'}")
    p = np.percentile(res.totals["visas_not_issued"], [5, 50, 95])
    print(f"visas not issued p5/p50/p95: {p[0]:,.0f} / {p[1]:,.0f} / {p[2]:,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
