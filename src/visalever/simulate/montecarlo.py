"""Vectorised Monte Carlo: baseline vs reform over a (draws x countries x categories) array.

One pass of NumPy broadcasting evaluates every draw at once; there is no per-draw Python loop, so a
thousand draws over every nationality and five categories cost a few array operations. The model:

    applications   A0 = grants / (1 - refusal_rate)          (or the synthetic microdata's counts)
    demand         m  = (cost_reform / cost_base) ** elasticity * (1 + slowdown_response) ** (extra_days / 30)
    visas          V  = grants * m * proceed_share                       (baseline: m = 1)
    fee revenue    F  = A0 * m * (proceed + suspended * suspension_application_share) * fee
    surcharge      S  = A0 * m * proceed * surcharge
    affected       A0 * affected_share                                   (cells whose measures differ)

cost = fee + surcharge; where either cost is zero no price response is modelled (the ratio is 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from visalever.simulate.cells import CellMeasures

FIGURES: tuple[str, ...] = (
    "baseline_visas",
    "reform_visas",
    "visas_not_issued",
    "applications_affected",
    "fee_revenue_change",
    "surcharge_revenue",
    "surcharge_revenue_change",
    "visas_at_stake",
)


@dataclass(frozen=True)
class DrawResult:
    """Per-draw figures: `by_country[name]` has shape (D, C), `totals[name]` shape (D,)."""

    by_country: dict[str, np.ndarray]
    totals: dict[str, np.ndarray]
    draws: int


def simulate_draws(
    grants: np.ndarray,
    base: CellMeasures,
    reform: CellMeasures,
    params: dict[str, np.ndarray],
    *,
    affected: np.ndarray,
    applications: np.ndarray | None = None,
    unallocated: np.ndarray | None = None,
) -> DrawResult:
    """Evaluate every draw of the behaviour parameters at once.

    grants (C, K) published grants; params[name] (D, K); affected (C, K) share of applications whose
    measures differ; applications (C, K) fixed application counts (microdata) or None to gross grants
    up by the drawn refusal rate; unallocated (K,) published grants with no nationality, added to the
    baseline and reform totals unchanged (no country measure can apply to them).
    """
    g = grants[None, :, :]
    refusal = params["refusal_rate"][:, None, :]
    a0 = g / (1.0 - refusal) if applications is None else applications[None, :, :]

    cost_b = base.fee + base.surcharge
    cost_r = reform.fee + reform.surcharge
    ratio = np.where((cost_b > 0) & (cost_r > 0), cost_r / np.where(cost_b > 0, cost_b, 1.0), 1.0)
    eps = params["surcharge_elasticity"][:, None, :]
    extra_days = (reform.slowdown_days - base.slowdown_days)[None, :, :]
    slow = 1.0 + params["slowdown_response_per_30_days"][:, None, :]
    m = np.power(ratio[None, :, :], eps) * np.power(slow, extra_days / 30.0)

    susp_share = params["suspension_application_share"][:, None, :]
    v_base = g * base.proceed[None]
    v_reform = g * m * reform.proceed[None]
    f_base = a0 * (base.proceed + base.suspended * susp_share) * base.fee
    f_reform = a0 * m * (reform.proceed + reform.suspended * susp_share) * reform.fee
    s_base = a0 * base.proceed * base.surcharge
    s_reform = a0 * m * reform.proceed * reform.surcharge
    at_stake = g * reform.restrictive[None].astype(np.float64)

    d = params["refusal_rate"].shape[0]
    cells = {
        "baseline_visas": np.broadcast_to(v_base, (d, *grants.shape)),
        "reform_visas": v_reform,
        "visas_not_issued": v_base - v_reform,
        "applications_affected": np.broadcast_to(a0 * affected[None], (d, *grants.shape)),
        "fee_revenue_change": f_reform - f_base,
        "surcharge_revenue": s_reform,
        "surcharge_revenue_change": s_reform - s_base,
        "visas_at_stake": np.broadcast_to(at_stake, (d, *grants.shape)),
    }
    by_country = {k: v.sum(axis=2) for k, v in cells.items()}
    totals = {k: v.sum(axis=1) for k, v in by_country.items()}
    if unallocated is not None:
        extra = float(np.sum(unallocated))
        totals["baseline_visas"] = totals["baseline_visas"] + extra
        totals["reform_visas"] = totals["reform_visas"] + extra
    return DrawResult(by_country=by_country, totals=totals, draws=d)


def bands(values: np.ndarray, axis: int = 0) -> np.ndarray:
    """5th, 50th and 95th percentiles along `axis` (draws), shape (3, ...)."""
    return np.percentile(values, [5.0, 50.0, 95.0], axis=axis)
