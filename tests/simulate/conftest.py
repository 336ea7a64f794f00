"""Small hand-made inputs for the simulator's pure functions (test inputs, not data shown to users)."""

from __future__ import annotations

import polars as pl
import pytest

from visalever.simulate.behaviour import CATEGORIES

INDICATOR = {"visit": "visitor", "study": "study", "work": "work", "family": "family", "other": "other"}


def observations(
    grants: dict[str, dict[str, float]], national: dict[str, float], period: str = "2025"
) -> pl.DataFrame:
    """Snapshot-shaped observations for grants by nationality plus published national totals."""
    rows = []
    for iso3, by_cat in grants.items():
        for cat, v in by_cat.items():
            rows.append(("uk", iso3, period, f"visas.granted.{INDICATOR[cat]}", float(v), "visas", "test"))
    for cat, v in national.items():
        rows.append(("uk", "ALL", period, f"visas.granted.{INDICATOR[cat]}", float(v), "visas", "test"))
    return pl.DataFrame(
        rows, schema=["jurisdiction", "iso3", "period", "indicator", "value", "unit", "source"], orient="row"
    )


def measures(rows: dict[tuple[str, str], dict], iso3: list[str], fee: float = 100.0) -> pl.DataFrame:
    """A measures frame in the `resolve` layout: every cell proceeds unless `rows` says otherwise."""
    out = []
    for code in iso3:
        for cat in CATEGORIES:
            r = {
                "iso3": code, "category": cat, "outcome": "proceed", "fee_amount": fee, "fee_currency": "GBP",
                "surcharge_amount": 0.0, "surcharge_currency": "GBP", "slowdown_days": 0,
                "processing_days": 15, "multiple_entry_allowed": True, "priority_allowed": True,
                "quota": None,
            }
            r.update(rows.get((code, cat), {}))
            out.append(r)
    return pl.DataFrame(out)


@pytest.fixture
def small_obs() -> pl.DataFrame:
    return observations(
        {
            "AAA": {"visit": 1000, "study": 200, "work": 100, "family": 50, "other": 10},
            "BBB": {"visit": 500, "study": 0, "work": 30, "family": 5, "other": 1},
        },
        {"visit": 1600, "study": 200, "work": 140, "family": 55, "other": 11},
    )


@pytest.fixture
def make_measures():
    """The `measures` builder, as a fixture (test modules are not a package)."""
    return measures
