"""Scenario builder in the browser (issue 16): an analyst builds a scenario with the form only (no YAML
typed), sees errors at the row and field, runs it, and the downloaded YAML reproduces the page's totals
with `visalever simulate`."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from tests.web.conftest import use_token
from typer.testing import CliRunner

from visalever.cli import app


def _open_builder(page, server, token: str) -> None:  # noqa: ANN001 - Playwright page
    use_token(page.context, token)
    page.goto(server.base_url + "/scenarios")
    page.wait_for_selector("#scenario-builder[data-ready=true]")
    page.wait_for_selector("#reform option", state="attached")  # the page's own form is ready too


def _run_and_compare(page, tmp_path: Path) -> dict:  # noqa: ANN001
    page.wait_for_selector("#scenario-builder[data-validated=ok]")
    with page.expect_download() as download:
        page.click("#sb-download")
    reform_file = tmp_path / "scenario.yaml"
    reform_file.write_text(Path(download.value.path()).read_text(encoding="utf-8"), encoding="utf-8")
    page.fill("#draws", "1")
    page.click("#sb-run")
    page.wait_for_selector("#results:not([hidden])", timeout=90_000)
    assert "scenario=rf_" in page.url
    with page.expect_download() as result_download:
        page.click("#download-json")
    shown = json.loads(Path(result_download.value.path()).read_text(encoding="utf-8"))
    res = CliRunner().invoke(app, ["simulate", "--policy", str(reform_file), "--format", "json"])
    assert res.exit_code == 0, res.output
    cli = json.loads(res.stdout)
    assert shown["totals"] == cli["totals"]
    assert cli["totals"]["applications_affected"] > 0
    return cli


def test_pakistan_surcharge_built_by_form_equals_the_cli(page, server, analyst_token, tmp_path,
                                                         screenshot) -> None:
    _open_builder(page, server, analyst_token)
    row = page.locator("#sb-rows tbody tr").first
    row.get_by_label("Row 1: nationality (ISO3) or group").fill("PAK")
    row.get_by_label("Row 1: measure").select_option("s70_surcharge")
    row.get_by_label("visit").check()
    row.get_by_label("Row 1: start date").fill("2025-01-01")
    page.click("#sb-add-param")
    param = page.locator("#sb-params tbody tr").first
    param.get_by_label("Parameter change 1: parameter").select_option("fees.visit")
    param.get_by_label("Parameter change 1: new value").fill("150")
    param.get_by_label("Parameter change 1: from").fill("2026-04-01")
    cli = _run_and_compare(page, tmp_path)
    affected = [c["iso3"] for c in cli["countries"] if c.get("applications_affected")]
    assert affected == ["PAK"]
    screenshot(page, "scenario-builder-pakistan")
    assert not page.recorder.errors, page.recorder.errors


def test_every_country_without_an_agreement_errors_at_the_field_then_runs(page, server, analyst_token,
                                                                           tmp_path) -> None:
    _open_builder(page, server, analyst_token)
    row = page.locator("#sb-rows tbody tr").first
    row.get_by_label("Row 1: nationality (ISO3) or group").fill("XXQ")
    row.get_by_label("Row 1: measure").select_option("s70_surcharge")
    row.get_by_label("visit").check()
    row.get_by_label("Row 1: start date").fill("2025-01-01")
    page.wait_for_selector("#scenario-builder[data-validated=errors]")
    assert "unknown country" in row.locator("td[data-field=target] .field-error").inner_text()
    row.get_by_label("Row 1: nationality (ISO3) or group").fill("no_agreement")
    cli = _run_and_compare(page, tmp_path)
    group = page.locator("#sb-group-list li").first
    expected = httpx.post(server.base_url + "/v1/scenarios/validate", timeout=60,
                          headers={"Authorization": f"Bearer {analyst_token}"},
                          json={"designations": [{"target": "no_agreement", "measure": "s70_surcharge",
                                                  "categories": ["visit"], "start": "2025-01-01"}]}).json()
    assert group.get_attribute("data-count") == str(expected["groups"][0]["count"])
    affected = {c["iso3"] for c in cli["countries"] if c.get("applications_affected")}
    assert affected and affected <= set(expected["groups"][0]["countries"])
    # the saved scenario reopens from its URL with its rows
    scenario_id = page.url.split("scenario=")[1].split("&")[0]
    page.goto(f"{server.base_url}/scenarios?scenario={scenario_id}")
    page.wait_for_selector("#scenario-builder[data-ready=true]")
    reopened = page.locator("#sb-rows tbody tr").first
    assert reopened.get_by_label("Row 1: nationality (ISO3) or group").input_value() == "no_agreement"
    assert not page.recorder.errors, page.recorder.errors
