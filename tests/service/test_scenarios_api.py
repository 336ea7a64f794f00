"""Scenario API on a real server: rows validated with errors at row and field, a saved scenario kept
per token, read back (JSON and YAML) and run by its id through POST /v1/simulations, giving the totals
the library gives for the same YAML."""

from __future__ import annotations

import time
from typing import Any

import httpx
from tests.service.helpers import Service

PAK = {"base": "uk-statutory", "designations": [
    {"target": "PAK", "measure": "s70_surcharge", "categories": ["visit"], "start": "2025-01-01"}]}


def _wait(c: httpx.Client, job: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.3)
        job = c.get(f"/v1/simulations/{job['id']}").json()
    return job


def test_validate_reports_rows_fields_and_groups(sqlite_service: Service) -> None:
    body = {"base": "uk-statutory", "designations": [
        {"target": "no_agreement", "measure": "s70_surcharge", "categories": ["visit"],
         "start": "2025-01-01"},
        {"target": "PAK", "measure": "s70_nope", "categories": ["visit"], "start": "2025-01-01"}],
        "parameters": [{"parameter": "fees.visit", "value": "lots", "start": "2026-04-01"}]}
    with sqlite_service.client("analyst") as c:
        r = c.post("/v1/scenarios/validate", json=body)
        assert r.status_code == 200, r.text
        doc = r.json()
        assert doc["ok"] is False and doc["yaml"] is None
        assert {(e["section"], e["row"], e["field"]) for e in doc["errors"]} == {
            ("designations", 1, "measure"), ("parameters", 0, "value")}
        assert doc["groups"][0]["group"] == "no_agreement" and doc["groups"][0]["count"] > 100
        r = c.post("/v1/scenarios/validate", json=PAK)
        assert r.json()["ok"] is True and "hypothetical: true" in r.json()["yaml"]
    with sqlite_service.client() as c:
        assert c.post("/v1/scenarios/validate", json=PAK).status_code == 401
    with sqlite_service.client("viewer") as c:
        assert c.post("/v1/scenarios", json=PAK).status_code == 403


def test_saved_scenario_is_the_callers_and_runs_by_id(sqlite_service: Service) -> None:
    with sqlite_service.client("analyst") as c:
        r = c.post("/v1/scenarios", json=PAK)
        assert r.status_code == 201, r.text
        saved = r.json()
        assert saved["id"].startswith("rf_") and saved["url"].endswith(saved["id"])
        assert c.post("/v1/scenarios", json=PAK).json()["id"] == saved["id"]  # same rows, same scenario
        got = c.get(f"/v1/scenarios/{saved['id']}").json()
        assert got["yaml"] == saved["yaml"] and got["rows"]["designations"][0]["target"] == "PAK"
        r = c.get(f"/v1/scenarios/{saved['id']}", params={"format": "yaml"})
        assert r.status_code == 200 and r.text == saved["yaml"]
        row = {**PAK["designations"][0], "start": "x"}
        bad = c.post("/v1/scenarios", json={**PAK, "designations": [row]})
        assert bad.status_code == 422 and bad.json()["error"].startswith("designations[0].start")
        r = c.post("/v1/simulations", json={"policy": saved["id"], "baseline": "uk-statutory", "draws": 1})
        assert r.status_code in (201, 202), r.text
        job = _wait(c, r.json())
        assert job["status"] == "done", job
    with sqlite_service.client("policy_admin") as c:  # another token does not see it
        assert c.get(f"/v1/scenarios/{saved['id']}").status_code == 404

    from visalever.policy.loader import load_policy_text
    from visalever.simulate.run import SimulationRequest, simulate

    policy = load_policy_text(saved["yaml"], "check")
    local = simulate(SimulationRequest(policy="x", draws=1), policies={"x": policy})
    assert job["result"]["totals"] == local["totals"]
    assert job["result"]["totals"]["applications_affected"] > 0
