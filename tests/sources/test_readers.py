"""Reader rules on small hand-made inputs: JS statements, IER_02b periods, NIV release comparison,
ICE reconciliation. Bad input is one error naming the file and the place."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from visalever.errors import InputError
from visalever.sources import uk_explorer, uk_ier02b, us
from visalever.sources.common import ReadResult, release_id


def test_js_statements_parse_and_bad_json_names_the_file(tmp_path: Path) -> None:
    good = tmp_path / "x.js"
    good.write_text(
        "/* header */\n"
        'window.A = [{"name": "Iran", "v": 3}];\n'
        'window.A_META = {"source": "x-mar-2026.xlsx"};\n'
    )
    data = uk_explorer.load_js(good)
    assert data["A"] == [{"name": "Iran", "v": 3}]
    assert uk_explorer.release_of(data["A_META"], "x.js") == uk_explorer.REL_MAR_2026
    bad = tmp_path / "bad.js"
    bad.write_text("window.B = {oops};\n")
    with pytest.raises(InputError, match=r"bad\.js.*statement 1 \('B'\) is not JSON"):
        uk_explorer.load_js(bad)
    with pytest.raises(InputError, match="META names no known release"):
        uk_explorer.release_of({"source": "returns.xlsx"}, "x.js")


def test_ier02b_periods_are_labelled() -> None:
    assert uk_ier02b.period_of("2024", "calendar_year", 2) == "2024"
    assert uk_ier02b.period_of("Year ending June 2026", "year_ending_june", 3) == "YE2026-06"
    with pytest.raises(InputError, match="row 4"):
        uk_ier02b.period_of("Year ending June 2026", "calendar_year", 4)


def test_release_ids_sort_chronologically_and_reject_bad_cutoffs() -> None:
    a = release_id("2025-12", "Home Office", "x")
    b = release_id("2026-03", "Home Office", "y")
    assert a < b and a.startswith("2025-12 Home Office: ")
    with pytest.raises(ValueError, match="YYYY-MM"):
        release_id("Dec 2025", "Home Office", "x")


def test_niv_comparison_reports_every_difference() -> None:
    old = pl.DataFrame(
        {
            "iso3": ["AAA", "BBB", "CCC"],
            "period": ["FY2018"] * 3,
            "indicator": ["v"] * 3,
            "value": [1.0, 2.0, 3.0],
        }
    )
    new = pl.DataFrame(
        {
            "iso3": ["AAA", "BBB", "DDD", "AAA"],
            "period": ["FY2018", "FY2018", "FY2018", "FY2024"],
            "indicator": ["v"] * 4,
            "value": [1.0, 5.0, 4.0, 9.0],
        }
    )
    res = ReadResult()
    us.compare_niv(old, new, res)
    details = sorted(f.detail for f in res.findings)
    assert [f.kind for f in res.findings] == ["release_differs"] * 3  # FY2024 is not compared
    assert details[0].startswith("BBB FY2018 v: 2 in FYs97-18, 5 in FYs97-24")
    assert details[1].startswith("CCC FY2018 v: 3 in FYs97-18, absent in FYs97-24")
    assert details[2].startswith("DDD FY2018 v: absent in FYs97-18, 4 in FYs97-24")
    same = ReadResult()
    us.compare_niv(old, old, same)
    assert [f.kind for f in same.findings] == ["release_agrees"]
