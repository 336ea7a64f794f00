"""EU and US assessment methods and backtests: the data gaps must be stated, never hidden.

The methods live in regimes/eu/assessment.yaml and regimes/us/assessment.yaml. These tests do not pin
ranks (the backtest is reported, not tuned); they check that every real act is covered and that a
period without the core figures is marked insufficient with the reason, instead of being scored.
"""

from __future__ import annotations

import json

import pytest
from tests.conftest import missing
from typer.testing import CliRunner

from visalever.assess import assess, load_config


@pytest.mark.parametrize("jurisdiction", ["eu", "us"])
def test_method_files_load_and_name_their_acts(jurisdiction: str) -> None:
    cfg = load_config(jurisdiction)
    assert cfg.jurisdiction == jurisdiction
    assert cfg.backtest.acts, "the backtest needs the real acts"
    assert cfg.known_gaps, "the method must state its data gaps"


def test_us_years_without_removals_by_nationality_are_not_scored() -> None:
    """FY2010: no removals by nationality (the Yearbook files hold returns; ICE's table starts FY2014)."""
    results = assess("us", "FY2010")
    assert results
    assert all(a.tier == "insufficient_data" for a in results)
    eri = next(a for a in results if a.iso3 == "ERI")
    assert any("ICE FY2014-FY2024" in r for r in eri.reasons), eri.reasons


def test_us_ice_removals_score_the_years_before_the_2017_acts() -> None:
    """FY2016 is scored on ICE removals against FY2015 (the trend: all the public figures allow)."""
    results = assess("us", "FY2016")
    scored = [a for a in results if a.score is not None]
    assert len(scored) >= 50
    assert all(a.metrics["removals_trend"] is not None for a in scored)
    assert all("removals_per_apprehension not computed" in " ".join(a.reasons) for a in scored)


def test_us_last_year_with_removals_scores_countries() -> None:
    """FY2008 has removals and FY2007 apprehensions: the method can score there (whatever the ranks)."""
    results = assess("us", "FY2008")
    assert sum(a.tier != "insufficient_data" for a in results) >= 50


def test_eu_results_say_why_when_the_core_ratio_is_missing() -> None:
    for a in assess("eu", "2021"):
        if a.tier == "insufficient_data":
            assert any("returns_per_illegally_present" in r for r in a.reasons), a.reasons


@pytest.mark.parametrize("jurisdiction", ["eu", "us", "uk"])
def test_backtest_command_covers_every_act(jurisdiction: str) -> None:
    from visalever.cli import app

    if not any(c.name == "backtest" for c in app.registered_commands):
        missing("`visalever backtest` command (commands/assess.py)")
    args = ["backtest", "--jurisdiction", jurisdiction, "--format", "json", "--no-write"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    text = json.dumps(json.loads(result.stdout))
    for act in load_config(jurisdiction).backtest.acts:
        assert act.iso3 in text, f"act against {act.iso3} missing from the {jurisdiction} backtest"
