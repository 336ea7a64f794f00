"""docs/EFFECTS.md must be exactly what `visalever effects` generates from the committed snapshot,
and the EU section must report The Gambia with figures before and after and an interval."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from visalever.effects.acts import effects
from visalever.effects.report import default_effects_path, render_markdown, section


@pytest.mark.parametrize("jurisdiction", ["uk", "eu", "us"])
def test_effects_doc_is_generated_by_the_command(jurisdiction: str) -> None:
    text = default_effects_path().read_text(encoding="utf-8")
    got = section(text, jurisdiction)
    assert got is not None, f"docs/EFFECTS.md has no {jurisdiction} section"
    assert got == render_markdown(effects(jurisdiction)).rstrip(), (
        f"the {jurisdiction} section of docs/EFFECTS.md is stale: run `visalever effects --jurisdiction "
        f"{jurisdiction}`"
    )


def test_eu_gambia_has_before_after_and_interval() -> None:
    doc = effects("eu")
    gmb = next(a for a in doc["acts"] if a["id"] == "eu-gmb-2021-1781")
    r = gmb["returns"]
    assert r["status"] == "estimated"
    assert all(v is not None for v in [*r["before"].values(), *r["after"].values()])
    lo, hi = r["estimate"]["interval_pct"]
    assert lo < r["estimate"]["estimate_pct"] < hi
    assert r["estimate"]["comparison_countries"] >= 10


def test_cli_prints_the_section_and_writes_the_file(tmp_path) -> None:  # noqa: ANN001
    from visalever.cli import app

    target = tmp_path / "EFFECTS.md"
    res = CliRunner().invoke(app, ["effects", "--jurisdiction", "eu", "--output", str(target)])
    assert res.exit_code == 0, res.output
    assert "GMB" in res.stdout
    assert section(target.read_text(), "eu") == render_markdown(effects("eu")).rstrip()
    bad = CliRunner().invoke(app, ["effects", "--jurisdiction", "xx", "--no-write"])
    assert bad.exit_code == 2 and "unknown jurisdiction" in bad.output


def test_api_returns_the_same_document() -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from visalever.service.http import install_error_handlers
    from visalever.service.routes_analysis import router

    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    client = TestClient(app)
    got = client.get("/v1/effects", params={"jurisdiction": "eu"})
    assert got.status_code == 200
    assert got.json()["acts"][0]["id"] == effects("eu")["acts"][0]["id"]
    assert client.get("/v1/effects", params={"jurisdiction": "xx"}).status_code == 422
