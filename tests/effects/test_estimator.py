"""The difference-in-differences estimator and its placebo interval, pinned on a frame computed by hand.

Means get 0.5 added before the log ratio, so the figures below are chosen to make each (mean + 0.5) a
round number: T 10 -> 20 (ln 2), A 20 -> 20 (0), B 20 -> 40 (ln 2), C 40 -> 20 (-ln 2).
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest

from visalever.effects.acts import effects, windows
from visalever.effects.estimator import caveats, did, window_means

L = math.log(2.0)
BEFORE, AFTER = ["2019", "2020"], ["2022", "2023"]


def _frame() -> pl.DataFrame:
    rows = {
        "T": [9.5, 9.5, 19.5, 19.5],
        "A": [19.5, 19.5, 19.5, 19.5],
        "B": [9.5, 29.5, 39.5, 39.5],
        "C": [39.5, 39.5, 19.5, 19.5],
        "D": [100.0, 100.0, 100.0, None],  # incomplete: never a comparison country
    }
    recs = []
    for iso3, vals in rows.items():
        for p, v in zip(BEFORE + AFTER, vals, strict=True):
            if v is not None:
                recs.append({"iso3": iso3, "period": p, "value": v})
    return pl.DataFrame(recs)


def test_estimate_interval_and_p_value_by_hand() -> None:
    res = did(window_means(_frame(), BEFORE, AFTER), "T")
    assert res is not None
    assert res.comparisons == ["A", "B", "C"]
    assert res.treated_change == pytest.approx(L)
    assert res.comparison_change == pytest.approx(0.0, abs=1e-12)
    assert res.estimate == pytest.approx(L)
    # placebos: A 0 - mean(L, -L) = 0; B L - mean(0, -L) = 1.5L; C -L - mean(0, L) = -1.5L
    assert sorted(res.placebos) == pytest.approx([-1.5 * L, 0.0, 1.5 * L])
    # numpy's linear quantiles of [-1.5L, 0, 1.5L]: 5 % -> -1.35L, 95 % -> 1.35L
    assert res.interval == pytest.approx((L - 1.35 * L, L + 1.35 * L))
    assert res.p_value == pytest.approx(3 / 4)  # B and C at least as extreme, plus the estimate itself
    out = res.as_dict()
    assert out["estimate_pct"] == pytest.approx(100.0)
    assert out["counterfactual_mean_after"] == pytest.approx(9.5)
    assert out["difference_per_period"] == pytest.approx(10.0)
    assert "few comparison countries (3)" in caveats(res)
    assert "the interval includes no change: consistent with no effect" in caveats(res)


def test_exclusions_and_minimum_volume() -> None:
    means = window_means(_frame(), BEFORE, AFTER)
    res = did(means, "T", exclude={"C"})
    assert res is not None and res.comparisons == ["A", "B"]
    assert res.estimate == pytest.approx(L - L / 2)
    res = did(means, "T", min_volume=30)  # only C has a mean before >= 30
    assert res is not None and res.comparisons == ["C"] and res.interval is None
    assert did(means, "D") is None  # the treated country must be complete too


@pytest.mark.parametrize(
    ("start", "fiscal", "expected"),
    [
        (dt.date(2021, 10, 12), False, (["2019", "2020"], "2021", ["2022", "2023"])),
        (dt.date(2022, 1, 1), False, (["2020", "2021"], None, ["2022", "2023"])),
        (dt.date(2016, 10, 1), True, (["FY2015", "FY2016"], None, ["FY2017", "FY2018"])),
        (dt.date(2017, 9, 13), True, (["FY2015", "FY2016"], "FY2017", ["FY2018", "FY2019"])),
    ],
)
def test_windows_leave_out_the_straddling_period(start: dt.date, fiscal: bool, expected: tuple) -> None:
    assert windows(start, fiscal) == expected


def test_missing_indicator_reported_as_insufficient_data() -> None:
    """Without removals in the snapshot, every US act says so instead of estimating anything."""
    empty = pl.DataFrame(
        schema={
            "jurisdiction": pl.String,
            "iso3": pl.String,
            "period": pl.String,
            "indicator": pl.String,
            "value": pl.Float64,
            "unit": pl.String,
            "source": pl.String,
        }
    )
    doc = effects("us", observations=empty)
    assert doc["acts"] and doc["summary"]["with_returns_estimate"] == 0
    assert all(a["returns"]["status"].startswith("insufficient data") for a in doc["acts"])
