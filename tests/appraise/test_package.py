"""The least-cost package: the MILP equals brute force on small instances, and the full UK 2025
instance is solved well inside two seconds."""

from __future__ import annotations

import numpy as np
import pytest

from visalever.appraise.options import appraise_many
from visalever.appraise.package import Option, brute_force, optimise, options_from_appraisal, solve
from visalever.errors import InputError


@pytest.fixture(scope="module")
def full() -> dict:
    return optimise("uk", 2025, "returns", 100.0)


@pytest.fixture(scope="module")
def six(full: dict) -> list[Option]:
    """Options of six flagged countries with eligible rungs (real appraisal, UK 2025)."""
    opts, _ = options_from_appraisal(appraise_many("uk", 2025, sorted(full["flagged_countries"])[:16]))
    first = sorted({o.iso3 for o in opts})[:6]
    assert len(first) == 6, "need six flagged countries with eligible rungs"
    return [o for o in opts if o.iso3 in first]


@pytest.mark.parametrize("cost", ["students_workers", "visas", "revenue_loss", "applications"])
@pytest.mark.parametrize("share", [0.3, 0.7])
def test_milp_equals_brute_force_on_six_countries(six: list[Option], cost: str, share: float) -> None:
    most = sum(max(o.values["returns"] for o in six if o.iso3 == c) for c in {o.iso3 for o in six})
    target = share * most
    got = solve(six, "returns", target, cost)
    want = brute_force(six, "returns", target, cost)
    assert got["feasible"] and want is not None
    assert got["cost"] == pytest.approx(want, abs=1e-6)
    assert got["benefit"] >= target - 1e-6
    assert len({six[i].iso3 for i in got["chosen"]}) == len(got["chosen"])  # at most one rung per country


def test_milp_equals_brute_force_with_limits_on_synthetic_instances() -> None:
    """SYNTHETIC figures (seeded) with negative costs and binding limits, against brute force."""
    rng = np.random.default_rng(7)
    for _ in range(8):
        opts = [
            Option(
                f"C{c}",
                f"r{r}",
                {
                    "returns": float(rng.uniform(0, 50)),
                    "visas_at_stake": float(rng.uniform(0, 1e4)),
                    "visas": float(rng.uniform(0, 1e3)),
                    "students_workers": float(rng.uniform(0, 100)),
                    "applications": float(rng.uniform(0, 1e4)),
                    "revenue_loss": float(rng.uniform(-1e4, 1e5)),
                    "countries": 1.0,
                },
                0.0,
                0.0,
            )
            for c in range(6)
            for r in range(3)
        ]
        limits = {"visas": 1500.0, "countries": 4.0}
        for cost in ("students_workers", "revenue_loss"):
            want = brute_force(opts, "returns", 80.0, cost, limits)
            got = solve(opts, "returns", 80.0, cost, limits)
            assert got["feasible"] == (want is not None)
            if want is not None:
                assert got["cost"] == pytest.approx(want, abs=1e-6)


def test_full_uk_instance(full: dict) -> None:
    assert full["feasible"] and full["package_benefit"] >= 100.0 - 1e-6
    assert len(full["flagged_countries"]) > 6 and full["options_considered"] > 30
    assert full["timing_seconds"]["solve"] < 2.0
    assert set(full["sensitivity"]) == {"low", "high"}
    assert "not an act" in full["label"]


def test_out_of_reach_and_bad_input() -> None:
    opts = [Option("A", "r", {"returns": 1.0, "students_workers": 1.0, "countries": 1.0}, 0.0, 0.0)]
    res = solve(opts, "returns", 5.0, "students_workers")
    assert not res["feasible"] and res["most_reachable"] == pytest.approx(1.0)
    with pytest.raises(InputError, match="unknown limit"):
        solve(opts, "returns", 1.0, "students_workers", {"nonsense": 1.0})
