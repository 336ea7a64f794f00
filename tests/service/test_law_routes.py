"""Law-desk routes (issue 12): GET /v1/countries/{iso3}/measures, GET /v1/changes and the /changes page.

They must give the CLI's answer (the same library functions), refuse bad input with 404/422, and the page
must be a same-origin shell whose script and JSON twin exist."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from visalever.policy.changes import changes_between
from visalever.policy.in_force import measures_for


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from visalever.service.app import create_app

    app = create_app(f"sqlite:///{Path(tmp_path_factory.mktemp('law')) / 'service.db'}")
    with TestClient(app) as c:
        yield c
    app.state.engine.dispose()


def test_measures_route_gives_the_library_answer(client: TestClient) -> None:
    body: dict[str, Any] = client.get("/v1/countries/cod/measures?date=2026-01-10").json()
    want = [lv.as_dict() for lv in measures_for("COD", dt.date(2026, 1, 10))]
    assert body["nationality"] == "COD" and body["measures"] == want
    assert "uk-2025-cod-priority" in {m["id"] for m in body["measures"]}
    gin = client.get("/v1/countries/GIN/measures", params={"date": "2025-09-01", "jurisdiction": "eu"}).json()
    assert [(m["id"], m["status"], m["in_force"]) for m in gin["measures"] if m["lever"] == "proposal"] == [
        ("eu-gin-2025-proposal", "proposed", False)
    ]


def test_changes_route_gives_the_library_answer(client: TestClient) -> None:
    body = client.get("/v1/changes", params={"since": "2025-06-17", "jurisdiction": "us"}).json()
    assert body["changes"] == [c.as_dict() for c in changes_between(dt.date(2025, 6, 17), None, "us")]
    assert body["count"] == len(body["changes"]) > 0


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/v1/countries/XXX/measures", 404),
        ("/v1/countries/AFG/measures?date=2026-13-01", 422),
        ("/v1/countries/AFG/measures?jurisdiction=au", 422),
        ("/v1/changes", 422),
        ("/v1/changes?since=2025-09-01&until=2025-08-01", 422),
    ],
)
def test_bad_input(client: TestClient, url: str, status: int) -> None:
    assert client.get(url).status_code == status


def test_changes_page_is_a_local_shell(client: TestClient) -> None:
    page = client.get("/changes")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    assert "/assets/changes.js" in page.text and "/v1/changes" in page.text
    assert "http://" not in page.text.split("<footer")[0] and "https://" not in page.text.split("<footer")[0]
    assert client.get("/assets/changes.js").status_code == 200
