"""`GET /v1/revisions` answers the rows of `visalever data revisions` (public read, like /v1/indicators)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from visalever import snapshot


def test_revisions_route_matches_the_snapshot() -> None:
    from visalever.service.routes_read import router

    api = FastAPI()
    api.include_router(router)
    client = TestClient(api)
    got = client.get("/v1/revisions", params={"jurisdiction": "uk", "indicator": "returns.total"})
    assert got.status_code == 200, got.text
    assert got.json() == snapshot.revisions("uk", indicator="returns.total").to_dicts()
    nat = [r for r in got.json() if r["iso3"] == "ALL" and r["period"] == "2025"]
    assert [(r["old_value"], r["new_value"]) for r in nat] == [(56197, 57679)]
    assert client.get("/v1/revisions", params={"jurisdiction": "xx"}).status_code == 422
