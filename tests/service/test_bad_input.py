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


AS_OF_ROUTES = ["/v1/agreements", "/v1/designations", "/v1/countries/AGO", "/v1/policies/uk-statutory"]


@pytest.mark.parametrize("path", AS_OF_ROUTES)
@pytest.mark.parametrize("value", ["0", "1700000000", "2026-1-5", "20260105", "", "9999-12-31"])
def test_as_of_must_be_a_date(sqlite_service: Service, path: str, value: str) -> None:
    """`as_of=0` used to be read as 1970-01-01 (issue 17, defect 7)."""
    with sqlite_service.client() as c:
        r = c.get(path, params={"as_of": value, "due_for_review": "true"} if "designations" in path
                  else {"as_of": value})
    assert r.status_code == 422, (path, value, r.status_code)
    assert "as_of" in r.json()["error"].split(":")[0], r.json()
    with sqlite_service.client() as c:
        assert c.get(path, params={"as_of": "2026-01-05"}).status_code == 200


BAD_LINKS = ["javascript:alert(document.cookie)", "JavaScript:alert(1)", " javascript:alert(1)",
             "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "file:///etc/passwd",
             "//evil.example/x", "https://", "www.gov.uk/page", "http://exa mple.com\nx"]


@pytest.mark.parametrize("url", BAD_LINKS)
def test_designation_links_must_be_http(sqlite_service: Service, url: str) -> None:
    """Links in designations are rendered by the dashboard: only http(s) (issue 17, defect 5)."""
    before = _count(sqlite_service)
    good_source = {"title": "t", "url": "https://www.gov.uk/"}
    with sqlite_service.client("policy_admin") as c:
        r = c.post("/v1/designations", json={**DESIGNATION, "id": "link-1",
                                             "sources": [good_source, {"title": "t", "url": url}]})
        assert r.status_code == 422 and r.json()["error"].startswith("sources.1.url"), r.text
        r = c.post("/v1/designations", json={**DESIGNATION, "id": "link-2",
                                             "legal_reference": {"title": "t", "url": url}})
        assert r.status_code == 422 and r.json()["error"].startswith("legal_reference.url"), r.text
    assert _count(sqlite_service) == before


def test_designation_links_checked_on_amend(sqlite_service: Service) -> None:
    with sqlite_service.client("policy_admin") as c:
        r = c.post("/v1/designations", json={**DESIGNATION, "id": "link-ok",
                                             "sources": [{"title": "t", "url": "http://example.org/a"}]})
        assert r.status_code == 201, r.text
        r = c.patch("/v1/designations/link-ok", json={"sources": [{"title": "t", "url": "javascript:x()"}]})
        assert r.status_code == 422 and r.json()["error"].startswith("sources.0.url"), r.text
        r = c.patch("/v1/designations/link-ok", json={"legal_reference": {"title": "t", "url": "data:,x"}})
        assert r.status_code == 422 and r.json()["error"].startswith("legal_reference.url"), r.text
    stored = {d["id"]: d for d in sqlite_service.client().get("/v1/designations").json()}
    assert stored["link-ok"]["sources"][0]["url"] == "http://example.org/a"


def test_error_statuses_are_in_the_openapi_document(sqlite_service: Service) -> None:
    spec = sqlite_service.client().get("/openapi.json").json()["paths"]
    for path in ("/v1/agreements", "/v1/designations", "/v1/countries/{iso3}", "/v1/policies/{policy_id}"):
        assert "422" in spec[path]["get"]["responses"], path
    for path, method, codes in [("/v1/decisions", "post", "400 401 403 409 413 422 503"),
                                ("/v1/quotas", "post", "400 401 403 409 413 422 503"),
                                ("/v1/designations", "post", "400 401 403 409 413 422 503"),
                                ("/v1/designations/{designation_id}", "patch", "400 401 403 404 409 413 422"),
                                ("/v1/quotas/{quota_id}", "get", "401 403 404"),
                                ("/v1/simulations", "post", "401 403 413 422"),
                                ("/v1/reforms", "post", "401 403 413 422")]:
        documented = spec[path][method]["responses"]
        for code in codes.split():
            assert code in documented, (method, path, code)
