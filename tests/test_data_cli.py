"""CLI contract: `visalever indicators` JSON keys and filters; `countries` output formats."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from visalever.cli import app


def test_indicators_json_has_exact_keys() -> None:
    res = CliRunner().invoke(
        app,
        ["indicators", "--jurisdiction", "uk", "--country", "ALL", "--period", "2023", "--format", "json"],
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert rows and all(
        set(r) == {"jurisdiction", "iso3", "period", "indicator", "value", "unit", "source", "release"}
        for r in rows
    )
    assert {r["indicator"] for r in rows} >= {"returns.enforced", "returns.total", "asylum.claims"}


def test_indicators_csv_and_bad_format() -> None:
    res = CliRunner().invoke(
        app,
        [
            "indicators",
            "--indicator",
            "visas.issued.niv_total",
            "--period",
            "FY2018",
            "--country",
            "ALL",
            "--format",
            "csv",
        ],
    )
    assert res.exit_code == 0
    assert res.output.splitlines()[1].startswith("us,ALL,FY2018,visas.issued.niv_total,9028026.0")
    assert CliRunner().invoke(app, ["indicators", "--format", "xml"]).exit_code == 2


def test_countries_json() -> None:
    res = CliRunner().invoke(app, ["countries", "--format", "json"])
    assert res.exit_code == 0
    codes = {c["iso3"] for c in json.loads(res.output)}
    assert {"XKX", "GBR", "COD"} <= codes


def test_indicators_answer_from_the_newest_release() -> None:
    args = ["indicators", "--jurisdiction", "uk", "--country", "ALB", "--period", "2025"]
    res = CliRunner().invoke(app, [*args, "--indicator", "returns.enforced", "--format", "json"])
    assert res.exit_code == 0, res.output
    (row,) = json.loads(res.output)
    assert row["value"] == 2439 and row["release"].startswith("2026-03 Home Office")


def test_data_revisions_lists_the_2025_national_revision() -> None:
    res = CliRunner().invoke(app, ["data", "revisions", "--indicator", "returns.total", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert all(r["indicator"] == "returns.total" for r in rows)
    nat = [r for r in rows if r["iso3"] == "ALL" and r["period"] == "2025"]
    assert [(r["old_value"], r["new_value"], r["difference"]) for r in nat] == [(56197, 57679, 1482)]
    table = CliRunner().invoke(app, ["data", "revisions", "--indicator", "returns.total", "--country", "ALL"])
    assert table.exit_code == 0 and "2026-03 Home Office" in table.output
    assert CliRunner().invoke(app, ["data", "revisions", "--format", "xml"]).exit_code == 2
