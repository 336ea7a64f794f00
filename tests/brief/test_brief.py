"""The country brief document and its renderings (JSON, Markdown, HTML, PDF through headless Chromium)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from tests.conftest import missing
from typer.testing import CliRunner

from visalever.brief import build_brief, to_html, to_markdown


@pytest.fixture(scope="module")
def cod() -> dict:
    return build_brief("COD", "uk", as_of=dt.date(2026, 1, 15))


def test_document_has_every_section(cod: dict) -> None:
    assert cod["iso3"] == "COD" and cod["year"] == 2025
    assert [a["id"] for a in cod["acts"]][:1] == ["uk-2025-cod-warning"]
    prio = next(a for a in cod["acts"] if a["id"] == "uk-2025-cod-priority")
    assert prio["in_force_on_as_of"]  # 15 Jan 2026: priority processing withdrawn
    assert any("priority_withdrawal" in (r["measure_ids"] or []) for r in cod["measures_in_force"]["rows"])
    assert any(lv["lever"] == "visa_requirement" for lv in cod["levers"])
    assert [c["date"] for c in cod["changelog"]][:2] == ["2025-11-17", "2025-12-27"]
    assert cod["evidence"]["table"]["returns.total"]
    assert any(p["this_country"] for p in cod["past_acts"])
    assert {o["id"] for o in cod["options"]["options"]} >= {"s70_suspension", "s70_slowdown"}
    assert cod["package"]["status"] == "computed"
    assert cod["sources"]["data"] and all(s["sha256"] for s in cod["sources"]["data"])
    assert any(s.get("url") for s in cod["sources"]["law"])
    wheres = {lab["where"] for lab in cod["labels"]}
    assert {"assessment", "options", "package"} <= wheres


def test_renderings_carry_the_labels(cod: dict) -> None:
    html = to_html(cod)
    md = to_markdown(cod)
    assert "<script" not in html and "http://" not in html.split("<body>")[0]
    assert html.count("modelled") >= 2 and "<svg" in html and "footer" in html
    assert "## Options, 2025 (modelled, not acts)" in md and "ASSUMPTION" in md
    json.dumps(cod, default=str)


def test_pdf_is_written_offline(cod: dict, tmp_path: Path) -> None:
    """The same HTML printed by headless Chromium (what `visalever brief --format pdf` does)."""
    from visalever.brief.render import chromium, to_pdf
    from visalever.errors import InputError

    try:
        chromium()
    except InputError:
        missing("chromium")
    out = to_pdf(to_html(cod), tmp_path / "cod.pdf")
    assert out.read_bytes()[:5] == b"%PDF-" and out.stat().st_size > 10_000


def test_cli_refuses_an_unknown_country() -> None:
    from visalever.cli import app

    bad = CliRunner().invoke(app, ["brief", "--country", "XXX", "--format", "md"])
    assert bad.exit_code == 2 and "unknown country" in bad.output
