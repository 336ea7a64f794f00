"""Bad input answers 4xx with a message naming the property, never 5xx, and writes nothing."""

from __future__ import annotations

import pytest
from tests.service.helpers import Service, application

GOOD = application("bad-0", "FRA", "work", "2026-03-10")
DESIGNATION = {"id": "d", "jurisdiction": "uk", "iso3": "AGO", "kind": "warning", "title": "t",
               "start": "2026-01-01", "sources": [{"title": "t", "instrument": "t"}]}
CASES = [
    ("malformed JSON", b'{"application_id": "x",', "body"),
    ("not an object", b"[1, 2, 3]", "body"),
    ("empty body", b"", "body"),
    ("wrong type id", {**GOOD, "application_id": 17}, "application_id"),
    ("wrong type bool", {**GOOD, "priority_service": "yes"}, "priority_service"),
    ("wrong type list", {**GOOD, "exemptions": "diplomatic"}, "exemptions"),
    ("unknown nationality", {**GOOD, "nationality": "XXX"}, "nationality"),
    ("lower-case nationality", {**GOOD, "nationality": "fra"}, "nationality"),
    ("unknown category", {**GOOD, "category": "tourism"}, "category"),
    ("impossible date", {**GOOD, "application_date": "2026-02-30"}, "application_date"),
    ("date as number", {**GOOD, "application_date": 1767225600}, "application_date"),
    ("date wrong format", {**GOOD, "application_date": "10/03/2026"}, "application_date"),
    ("missing field", {k: v for k, v in GOOD.items() if k != "category"}, "category"),
    ("unknown field", {**GOOD, "salary": 1}, "salary"),
    ("null id", {**GOOD, "application_id": None}, "application_id"),
]


def _count(service: Service) -> tuple[int, int]:
    return (service.sql("SELECT COUNT(*) FROM decisions")[0][0],
            service.sql("SELECT COUNT(*) FROM audit_log")[0][0])


@pytest.mark.parametrize(("name", "body", "prop"), CASES, ids=[c[0] for c in CASES])
def test_decision_body_errors_name_the_property(sqlite_service: Service, name: str, body: object,
                                                 prop: str) -> None:
    before = _count(sqlite_service)
    with sqlite_service.client("caseworker") as c:
        if isinstance(body, bytes):
            r = c.post("/v1/decisions", content=body, headers={"Content-Type": "application/json"})
        else:
            r = c.post("/v1/decisions", json=body)
    assert 400 <= r.status_code < 500, (name, r.status_code, r.text)
    error = r.json()["error"]
    assert error.startswith(prop), (name, error)
    assert "\n" not in error
    assert _count(sqlite_service) == before


def test_body_over_one_megabyte(sqlite_service: Service) -> None:
    big = {**GOOD, "application_id": "x" * (1024 * 1024 + 1)}
    with sqlite_service.client("caseworker") as c:
        r = c.post("/v1/decisions", json=big)
        assert r.status_code == 413 and r.json()["error"].startswith("body")

        def chunks():  # type: ignore[no-untyped-def]
            for _ in range(40):
                yield b"x" * 32768

        streamed = c.post("/v1/decisions", content=chunks(), headers={"Content-Type": "application/json"})
        assert streamed.status_code == 413


def test_quota_errors(sqlite_service: Service) -> None:
    q = {"quota_id": "bad-q", "nationality": "IND", "category": "visit", "start": "2026-02-01",
         "end": "2026-01-01", "limit": 5}
    with sqlite_service.client("policy_admin") as c:
        r = c.post("/v1/quotas", json=q)
        assert r.status_code == 422 and "end" in r.json()["error"]
        r = c.post("/v1/quotas", json={**q, "end": "2026-03-01", "limit": -1})
        assert r.status_code == 422 and r.json()["error"].startswith("limit")
        r = c.post("/v1/quotas", json={**q, "end": "2026-03-01", "limit": "5"})
        assert r.status_code == 422 and r.json()["error"].startswith("limit")
        r = c.post("/v1/quotas", json={**q, "end": "2026-03-01", "quota_id": "bad id with spaces"})
        assert r.status_code == 422 and r.json()["error"].startswith("quota_id")


def test_bad_idempotency_key_and_designation(sqlite_service: Service) -> None:
    with sqlite_service.client("caseworker") as c:
        r = c.post("/v1/decisions", json=GOOD, headers={"Idempotency-Key": "k" * 201})
        assert r.status_code == 400 and r.json()["error"].startswith("Idempotency-Key")
    with sqlite_service.client("policy_admin") as c:
        r = c.post("/v1/designations", json={**DESIGNATION, "start": "2026-13-01"})
        assert r.status_code == 422 and r.json()["error"].startswith("start")
        r = c.post("/v1/designations", json={**DESIGNATION, "iso3": "ZZZ"})
        assert r.status_code == 422 and "iso3" in r.json()["error"]
        r = c.post("/v1/designations", content=b"{nope", headers={"Content-Type": "application/json"})
        assert r.status_code == 422 and r.json()["error"].startswith("body")
