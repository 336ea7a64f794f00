"""Issue 13: the latest period is scorable (>= 100 nationalities in 2025), the JSON says which period is
the latest scorable and why the next is not, and which releases the figures come from."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from visalever.cli import app


def test_2025_scores_at_least_100_with_vintage_and_latest_period() -> None:
    args = ["assess", "--jurisdiction", "uk", "--period", "2025", "--format", "json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["scored"] >= 100
    for a in doc["assessments"]:
        if a["score"] is None:
            assert a["tier"] == "insufficient_data" and a["reasons"][0].startswith("insufficient_data:")
    assert doc["method"]["version"] >= 2 and doc["method"]["changes"]
    latest = doc["latest_scorable"]
    assert latest["period"] == "2025" and latest["scored"] == doc["scored"]
    assert latest["next_period"] == "2026" and "2026Q1" in latest["why_not_next"]
    vintage = doc["vintage"]
    assert vintage["data_to"] >= "2026-03"
    returns = [r for r in vintage["releases"] if "returns.enforced" in r["indicators"]]
    assert [r["data_to"] for r in returns] == ["2026-03"]  # the newest vintage of the 2025 returns


def test_us_latest_scorable_is_fy2024_and_fy2025_is_explained() -> None:
    from visalever.assess.engine import latest_scorable

    latest = latest_scorable("us")
    assert latest["period"] == "FY2024" and latest["scored"] > 0
    assert "FY2025" in latest["why_not_next"]
