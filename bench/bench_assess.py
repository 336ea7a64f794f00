"""Benchmark: the full UK assessment for every annual (and quarterly) period, against a baseline.

Baseline measured in the same run: merely pivoting the UK observations into one row per
(nationality, period) - the least any assessment must do. The ratio says what the method costs on
top. Target (issue 4): all UK years in under 2 s on this machine.
"""

from __future__ import annotations

import time

import polars as pl

from visalever import snapshot
from visalever.assess import load_config
from visalever.assess.engine import assess_periods
from visalever.assess.inputs import periods_with_data


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    obs = snapshot.load()
    cfg = load_config("uk")
    annual = periods_with_data(obs, cfg, "annual")
    quarters = periods_with_data(obs, cfg, "quarter")
    uk = obs.filter(pl.col("jurisdiction") == "uk")

    baseline = _best(
        lambda: uk.pivot(on="indicator", index=["iso3", "period"], values="value", aggregate_function="first")
    )
    t_annual = _best(lambda: assess_periods("uk", annual, observations=obs, config=cfg))
    t_quarter = _best(lambda: assess_periods("uk", quarters, observations=obs, config=cfg))
    n_annual = sum(len(v) for v in assess_periods("uk", annual, observations=obs, config=cfg).values())
    print(f"baseline pivot of UK observations: {baseline * 1000:.1f} ms")
    print(
        f"assess all {len(annual)} annual periods ({n_annual} results): {t_annual * 1000:.0f} ms "
        f"(ratio {t_annual / baseline:.0f}x baseline; target < 2000 ms)"
    )
    print(
        f"assess all {len(quarters)} quarterly periods: {t_quarter * 1000:.0f} ms "
        f"(ratio {t_quarter / baseline:.0f}x baseline)"
    )


if __name__ == "__main__":
    main()
