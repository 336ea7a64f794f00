"""The Monte Carlo core on hand-made measures: identities that must hold whatever the parameters."""

from __future__ import annotations

import numpy as np
import pytest

from visalever.simulate.behaviour import CATEGORIES, draw_parameters, load_behaviour
from visalever.simulate.cells import affected_share, cells_from_measures
from visalever.simulate.flows import flows_from_observations
from visalever.simulate.montecarlo import simulate_draws
from visalever.simulate.outputs import flat_rows, shape_result


def _run(small_obs, reform_rows, measures, draws=200):
    f = flows_from_observations(small_obs, 2025)
    base = cells_from_measures(measures({}, f.iso3), f.iso3)
    reform = cells_from_measures(measures(reform_rows, f.iso3), f.iso3)
    params = draw_parameters(load_behaviour(), draws, seed=1)
    aff = affected_share(base, reform, 0.05)
    res = simulate_draws(f.grants, base, reform, params, affected=aff, unallocated=f.gap)
    return f, res, params


def test_same_policy_changes_nothing_and_baseline_is_national_total(small_obs, make_measures) -> None:
    f, res, _ = _run(small_obs, {}, make_measures)
    for name in ("visas_not_issued", "applications_affected", "fee_revenue_change", "surcharge_revenue"):
        assert np.allclose(res.totals[name], 0.0), name
    assert np.allclose(res.totals["baseline_visas"], np.nansum(f.national))


def test_suspension_withholds_every_visa_of_the_cell(small_obs, make_measures) -> None:
    f, res, _ = _run(small_obs, {("BBB", "visit"): {"outcome": "suspended"}}, make_measures)
    b = f.iso3.index("BBB")
    assert np.allclose(res.by_country["visas_not_issued"][:, b], 500.0)
    assert np.allclose(res.by_country["visas_not_issued"][:, f.iso3.index("AAA")], 0.0)
    assert np.all(res.by_country["fee_revenue_change"][:, b] <= 0)
    assert np.allclose(res.by_country["visas_at_stake"][:, b], 500.0)


def test_surcharge_revenue_and_demand_response(small_obs, make_measures) -> None:
    f, res, params = _run(small_obs, {("AAA", "visit"): {"surcharge_amount": 190.0}}, make_measures)
    a = f.iso3.index("AAA")
    k = CATEGORIES.index("visit")
    eps = params["surcharge_elasticity"][:, k]
    refusal = params["refusal_rate"][:, k]
    m = (290.0 / 100.0) ** eps
    np.testing.assert_allclose(res.by_country["visas_not_issued"][:, a], 1000 * (1 - m))
    np.testing.assert_allclose(res.by_country["surcharge_revenue"][:, a], 1000 / (1 - refusal) * m * 190.0)
    np.testing.assert_allclose(res.by_country["applications_affected"][:, a], 1000 / (1 - refusal))
    assert np.all(res.by_country["visas_not_issued"][:, a] >= 0)


def test_shaped_output_has_bands_and_labels(small_obs, make_measures) -> None:
    f, res, _ = _run(small_obs, {("AAA", "work"): {"slowdown_days": 60}}, make_measures)
    doc = shape_result(
        res, iso3=f.iso3, published=f.grants, not_returned=np.array([100.0, np.nan]), unallocated=f.gap,
        metadata={"label": "test label"},
    )
    t = doc["totals"]["visas_not_issued"]
    assert set(t) == {"p5", "p50", "p95"} and t["p5"] <= t["p50"] <= t["p95"]
    aaa = doc["countries"][0]
    assert aaa["iso3"] == "AAA"
    assert aaa["leverage"]["p50"] == pytest.approx(aaa["visas_not_issued"]["p50"] / 100.0, rel=1e-3)
    assert doc["countries"][1]["leverage"]["p50"] is None
    rows = flat_rows(doc)
    assert rows[-1]["iso3"] == "TOTAL" and "visas_not_issued_p95" in rows[-1]
    assert all(r["label"] == "test label" for r in rows)


def test_priority_only_change_affects_only_priority_users(small_obs, make_measures) -> None:
    f, res, params = _run(small_obs, {("AAA", "visit"): {"priority_allowed": False}}, make_measures)
    a = f.iso3.index("AAA")
    refusal = params["refusal_rate"][:, CATEGORIES.index("visit")]
    np.testing.assert_allclose(res.by_country["applications_affected"][:, a], 0.05 * 1000 / (1 - refusal))
    assert np.allclose(res.by_country["visas_not_issued"][:, a], 0.0)
