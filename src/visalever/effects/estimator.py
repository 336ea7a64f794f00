"""The difference-in-differences estimator behind `visalever effects`, and its placebo interval.

Pure functions over a small frame (iso3, period, value) so that a hand-computed test pins them.

For each country, the change across an act is the log ratio of its mean after to its mean before,
with 0.5 added to each mean so that a year with no returns stays usable:

    change(c)  = ln((mean_after(c) + 0.5) / (mean_before(c) + 0.5))
    estimate   = change(treated) - mean of change(c) over the comparison countries

The interval is a placebo (permutation) interval over comparison countries: each comparison country
in turn is treated as if it had been acted against and compared with the others; the spread of those
placebo estimates is what the estimate would show with no effect at all. The 90 % interval is
[estimate - q95, estimate - q05] of the placebo estimates and the p-value is the share of placebos at
least as large in absolute value (counting the estimate itself). Every comparison country is used
exactly once, so the result is exactly reproducible: there are no random draws and no seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

PSEUDO = 0.5  # added to each window mean before the log ratio
INTERVAL = 0.90
METHOD = (
    "difference in differences of log mean (ln((after + 0.5) / (before + 0.5))), treated minus the "
    "unweighted mean over comparison countries; 90 % placebo (permutation) interval over comparison "
    "countries: every comparison country is treated once as a placebo against the others, interval = "
    "estimate - [95th, 5th] percentile of the placebo estimates; exact enumeration, no random draws"
)
FEW_COMPARISONS = 10
WIDE_INTERVAL_POINTS = 100.0  # percentage points between the bounds


def log_change(before: float, after: float) -> float:
    """ln((after + 0.5) / (before + 0.5)): the change a country shows across the act."""
    return math.log((after + PSEUDO) / (before + PSEUDO))


def pct(x: float | None) -> float | None:
    """A log change as a percentage change (exp(x) - 1) x 100."""
    return None if x is None else (math.exp(x) - 1.0) * 100.0


@dataclass
class WindowMeans:
    """Mean per country over the periods of each window (only countries complete in both)."""

    before: dict[str, float] = field(default_factory=dict)
    after: dict[str, float] = field(default_factory=dict)


def window_means(frame: pl.DataFrame, before: list[str], after: list[str]) -> WindowMeans:
    """Means over `before` and `after` periods for every iso3 with a value in each of those periods."""
    out = WindowMeans()
    if not before or not after or frame.is_empty():
        return out
    need = len(before) + len(after)
    sub = frame.filter(pl.col("period").is_in(before + after)).unique(["iso3", "period"])
    complete = sub.group_by("iso3").agg(pl.len().alias("n")).filter(pl.col("n") == need)["iso3"]
    sub = sub.filter(pl.col("iso3").is_in(complete.implode()))
    agg = sub.group_by("iso3").agg(
        pl.col("value").filter(pl.col("period").is_in(before)).mean().alias("b"),
        pl.col("value").filter(pl.col("period").is_in(after)).mean().alias("a"),
    )
    for iso3, b, a in agg.iter_rows():
        out.before[iso3] = float(b)
        out.after[iso3] = float(a)
    return out


@dataclass
class DidResult:
    """What the estimator found for one treated country (log changes; `pct` converts)."""

    treated_before: float
    treated_after: float
    treated_change: float
    comparison_change: float
    comparisons: list[str]
    estimate: float
    placebos: list[float]
    interval: tuple[float, float] | None
    p_value: float | None

    @property
    def counterfactual_after(self) -> float:
        """The treated country's after-mean had it moved like the comparison countries."""
        return (self.treated_before + PSEUDO) * math.exp(self.comparison_change) - PSEUDO

    def as_dict(self) -> dict[str, Any]:
        lo, hi = self.interval if self.interval else (None, None)
        return {
            "treated_mean_before": round(self.treated_before, 2),
            "treated_mean_after": round(self.treated_after, 2),
            "treated_change_pct": _r(pct(self.treated_change)),
            "comparison_countries": len(self.comparisons),
            "comparison_change_pct": _r(pct(self.comparison_change)),
            "estimate_log": _r(self.estimate, 4),
            "estimate_pct": _r(pct(self.estimate)),
            "interval_pct": None if lo is None else [_r(pct(lo)), _r(pct(hi))],
            "p_value": _r(self.p_value, 3),
            "counterfactual_mean_after": _r(self.counterfactual_after),
            "difference_per_period": _r(self.treated_after - self.counterfactual_after),
        }


def _r(x: float | None, nd: int = 1) -> float | None:
    return None if x is None else round(x, nd)


def did(
    means: WindowMeans,
    treated: str,
    *,
    exclude: set[str] | frozenset[str] = frozenset(),
    min_volume: float = 0.0,
) -> DidResult | None:
    """The estimate for `treated` against every other complete country not in `exclude`.

    A comparison country needs a mean before of at least `min_volume` (small counts swing by chance).
    Returns None when the treated country is not complete in both windows or has no comparison.
    """
    if treated not in means.before:
        return None
    comps = sorted(
        c for c in means.before if c != treated and c not in exclude and means.before[c] >= min_volume
    )
    if not comps:
        return None
    ch = np.array([log_change(means.before[c], means.after[c]) for c in comps])
    t_change = log_change(means.before[treated], means.after[treated])
    c_mean = float(ch.mean())
    estimate = t_change - c_mean
    placebos: list[float] = []
    if len(comps) >= 2:
        total = float(ch.sum())
        n = len(comps)
        placebos = [float(ch[j] - (total - ch[j]) / (n - 1)) for j in range(n)]
    interval = None
    p_value = None
    if len(placebos) >= 2:
        q_lo, q_hi = np.quantile(placebos, [(1 - INTERVAL) / 2, 1 - (1 - INTERVAL) / 2])
        interval = (estimate - float(q_hi), estimate - float(q_lo))
        extreme = sum(1 for p in placebos if abs(p) >= abs(estimate) - 1e-12)
        p_value = (1 + extreme) / (1 + len(placebos))
    return DidResult(
        treated_before=means.before[treated],
        treated_after=means.after[treated],
        treated_change=t_change,
        comparison_change=c_mean,
        comparisons=comps,
        estimate=estimate,
        placebos=placebos,
        interval=interval,
        p_value=p_value,
    )


def caveats(result: DidResult) -> list[str]:
    """Plain statements of weakness: few comparison countries, a wide interval, one including no effect."""
    out = []
    if len(result.comparisons) < FEW_COMPARISONS:
        out.append(f"few comparison countries ({len(result.comparisons)})")
    if result.interval is None:
        out.append("no interval: fewer than two comparison countries")
        return out
    lo, hi = (pct(x) for x in result.interval)
    if lo is not None and hi is not None:
        if hi - lo > WIDE_INTERVAL_POINTS:
            out.append(f"wide interval ({hi - lo:.0f} percentage points)")
        if lo <= 0.0 <= hi:
            out.append("the interval includes no change: consistent with no effect")
    return out
