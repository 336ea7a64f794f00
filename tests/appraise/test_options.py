"""Options appraisal of DR Congo (UK 2025): every rung of the s.70 ladder, costs from the simulator,
responses labelled as evidence or assumption, and the ordering the law implies (suspension withholds
every visa a slow-down withholds, and more)."""

from __future__ import annotations

import pytest

from visalever.appraise.options import appraise, expected_returns, ladder, response_spec


@pytest.fixture(scope="module")
def cod() -> dict:
    return appraise("COD", "uk", 2025)


def test_every_rung_of_the_ladder_is_appraised(cod: dict) -> None:
    ids = [o["id"] for o in cod["options"]]
    assert {
        "s70_slowdown",
        "s70_suspension",
        "s70_invalidity",
        "s70_surcharge",
        "priority_withdrawal",
    } <= set(ids)
    assert [r["id"] for r in ladder("uk")] == ids
    assert any(o["kind"] == "incentive" for o in cod["options"])
    assert "not an act" in cod["label"]


def test_costs_follow_the_law(cod: dict) -> None:
    by = {o["id"]: o for o in cod["options"]}
    susp, slow = by["s70_suspension"]["cost"], by["s70_slowdown"]["cost"]
    # suspension: nothing proceeds, so every published grant of the year is not issued
    assert susp["visas_not_issued"]["total"] == pytest.approx(susp["baseline_visas"], rel=1e-6)
    assert susp["baseline_visas"] > 0
    assert 0 < slow["visas_not_issued"]["total"] < susp["visas_not_issued"]["total"]
    assert by["s70_surcharge"]["cost"]["surcharge_revenue_change"] > 0
    assert susp["students_workers_not_issued"] == pytest.approx(
        susp["visas_not_issued"]["study"] + susp["visas_not_issued"]["work"], abs=0.11
    )


def test_responses_are_labelled(cod: dict) -> None:
    for o in cod["options"]:
        r = o["response_pct"]
        assert r is not None and r["basis"] in ("evidence", "assumption")
        assert r["low"] <= r["central"] <= r["high"]
        if r["basis"] == "assumption":
            assert r["note"].startswith("ASSUMPTION")
        else:
            assert r["evidence"] and all("interval_pct" in e for e in r["evidence"])
    assert response_spec()["policies"]["uk"] == "uk-statutory"


def test_expected_returns_capped_by_pool() -> None:
    resp = {"low": -10.0, "central": 50.0, "high": 200.0}
    assert expected_returns(resp, 100.0, 120.0) == {
        "low": -10.0,
        "central": 50.0,
        "high": 120.0,
        "capped_by_pool": True,
    }
    assert expected_returns(resp, None, 10.0) is None


def test_cli_and_api_answer() -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from visalever.cli import app
    from visalever.service.http import install_error_handlers
    from visalever.service.routes_analysis import router

    res = CliRunner().invoke(app, ["optimise", "--target", "returns=50", "--limit", "countries=3"])
    assert res.exit_code == 0, res.output
    assert "solved in" in res.stdout and "at the low responses" in res.stdout
    bad = CliRunner().invoke(app, ["optimise", "--target", "returns"])
    assert bad.exit_code == 2 and "expected name=number" in bad.output
    api = FastAPI()
    install_error_handlers(api)
    api.include_router(router)
    client = TestClient(api)
    got = client.get("/v1/options", params={"country": "COD", "jurisdiction": "uk", "year": 2025})
    assert got.status_code == 200 and got.json()["iso3"] == "COD"
    assert client.get("/v1/packages", params={"target": "returns=x"}).status_code == 422
    assert client.get("/v1/packages", params={"target": "returns=inf"}).status_code == 422
    assert client.get("/v1/briefs/XXX").status_code == 404
    assert client.get("/v1/briefs/COD", params={"as_of": "1900-01-01"}).status_code == 422
