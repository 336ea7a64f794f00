"""The leverage denominator: the stated formula, latest grant rate, and null (not zero) when unknown."""

from __future__ import annotations

import math

import polars as pl
import pytest

from visalever.simulate.leverage import people_not_returned


def _obs(rows: list[tuple[str, str, str, float, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        [("uk", iso3, period, ind, val, unit, f"test#{ind}") for iso3, period, ind, val, unit in rows],
        schema=["jurisdiction", "iso3", "period", "indicator", "value", "unit", "source"],
        orient="row",
    )


def test_formula_latest_rate_and_missing_components() -> None:
    obs = _obs([
        ("AAA", "2025", "asylum.claims", 1000.0, "people"),
        ("AAA", "2023", "asylum.initial_grant_rate", 0.9, "ratio"),
        ("AAA", "2024", "asylum.initial_grant_rate", 0.4, "ratio"),  # latest up to 2025
        ("AAA", "2026", "asylum.initial_grant_rate", 0.0, "ratio"),  # after the year: ignored
        ("AAA", "2025", "returns.total", 300.0, "people"),
        ("AAA", "2025", "returns.refused_at_port", 100.0, "people"),
        ("BBB", "2025", "asylum.claims", 10.0, "people"),
        ("BBB", "2025", "asylum.initial_grant_rate", 50.0, "percent"),
        ("BBB", "2025", "returns.total", 500.0, "people"),
        ("CCC", "2025", "returns.total", 5.0, "people"),  # no claims: unknown, not zero
    ])
    values, note = people_not_returned(obs, ["AAA", "BBB", "CCC"], 2025)
    assert values[0] == pytest.approx(1000 * (1 - 0.4) - (300 - 100))
    assert values[1] == 0.0  # 10 x 0.5 - 500 < 0, floored at zero
    assert math.isnan(values[2])
    assert note["countries_with_denominator"] == 2
    assert "asylum claims" in note["definition"]
    assert "test#asylum.claims" in note["sources"]
