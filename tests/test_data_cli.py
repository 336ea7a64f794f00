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
        set(r) == {"jurisdiction", "iso3", "period", "indicator", "value", "unit", "source"} for r in rows
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
