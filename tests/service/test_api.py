"""The decision service end to end over real HTTP: decisions, caps, idempotency, designations applied at
once across processes, read endpoints and the offline docs page."""

from __future__ import annotations

import pytest
from tests.service.helpers import Service, application, run_sql, tokens_for
from tests.support.servers import ServeProcess


def test_drc_decision_cites_designation_and_is_recorded(sqlite_service: Service) -> None:
    with sqlite_service.client("caseworker") as c:
        during = c.post("/v1/decisions", json=application("drc-1", "COD", "visit", "2026-01-10"))
        after = c.post("/v1/decisions", json=application("drc-2", "COD", "visit", "2026-03-10"))
        assert during.status_code == 200, during.text
        body = during.json()
        assert body["priority_service_allowed"] is False
        sources = [r.get("source") or "" for r in body["reasons"]]
        assert any("uk-2025-cod-priority" in s for s in sources), sources
        assert body["policy"]["id"] == "uk-statutory" and body["policy"]["revision"]
        assert after.json()["priority_service_allowed"] is True
        again = c.get(f"/v1/decisions/{body['decision_id']}")
        assert again.status_code == 200 and again.json() == body
        assert c.get("/v1/decisions/dec_missing").status_code == 404


def test_quota_caps_and_idempotency(sqlite_service: Service) -> None:
    admin = sqlite_service.client("policy_admin")
    cw = sqlite_service.client("caseworker")
    quota = {"quota_id": "api-ind-work", "nationality": "IND", "category": "work", "start": "2026-01-01",
             "end": "2026-12-31", "limit": 2}
    created = admin.post("/v1/quotas", json=quota)
    assert created.status_code == 201, created.text
    assert created.json()["remaining"] == 2
    assert admin.post("/v1/quotas", json=quota).status_code == 409  # same id again
    overlap = admin.post("/v1/quotas", json={**quota, "quota_id": "api-overlap", "start": "2026-06-01"})
    assert overlap.status_code == 409 and "overlaps" in overlap.json()["error"]

    key = {"Idempotency-Key": "k-ind-1"}
    first = cw.post("/v1/decisions", json=application("ind-1", "IND"), headers=key)
    replay = cw.post("/v1/decisions", json=application("ind-1", "IND"), headers=key)
    assert first.json()["outcome"] == "proceed"
    assert replay.json()["decision_id"] == first.json()["decision_id"]
    assert admin.get("/v1/quotas/api-ind-work").json()["used"] == 1  # the replay consumed nothing
    clash = cw.post("/v1/decisions", json=application("ind-other", "IND"), headers=key)
    assert clash.status_code == 409 and "Idempotency-Key" in clash.json()["error"]

    second = cw.post("/v1/decisions", json=application("ind-2", "IND"))
    third = cw.post("/v1/decisions", json=application("ind-3", "IND"))
    outside = cw.post("/v1/decisions", json=application("ind-4", "IND", day="2027-01-05"))
    assert second.json()["outcome"] == "proceed"
    assert third.json()["outcome"] == "quota_exhausted"
    assert any(r["measure"] == "quota" for r in third.json()["reasons"])
    assert outside.json()["outcome"] == "proceed" and outside.json()["quota_ledger"] is None
    state = admin.get("/v1/quotas/api-ind-work").json()
    assert (state["limit"], state["used"], state["remaining"]) == (2, 2, 0)
    assert admin.get("/v1/quotas/nope").status_code == 404
    # the quota POST is idempotent too
    q2 = {**quota, "quota_id": "api-q2", "nationality": "PAK"}
    a = admin.post("/v1/quotas", json=q2, headers={"Idempotency-Key": "q-2"})
    b = admin.post("/v1/quotas", json=q2, headers={"Idempotency-Key": "q-2"})
    assert a.status_code == b.status_code == 201 and a.json() == b.json()
    changed = admin.post("/v1/quotas", json={**q2, "limit": 5}, headers={"Idempotency-Key": "q-2"})
    assert changed.status_code == 409


def test_reads_without_token(sqlite_service: Service) -> None:
    with sqlite_service.client() as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        countries = c.get("/v1/countries").json()
        assert any(row["iso3"] == "AGO" for row in countries)
        dossier = c.get("/v1/countries/COD", params={"as_of": "2026-01-10"})
        assert dossier.status_code == 200, dossier.text
        d = dossier.json()
        assert {x["id"] for x in d["designations"]} >= {"uk-2025-cod-warning", "uk-2025-cod-priority"}
        assert d["measures"]["visit"]["values"]["priority_allowed"] is False
        assert c.get("/v1/countries/XXX").status_code == 404
        assert c.get("/v1/policies").status_code == 200
        assert c.get("/v1/policies/uk-statutory").json()["id"] == "uk-statutory"
        assert c.get("/v1/policies/nope").status_code == 404
        g7 = c.get("/v1/agreements", params={"jurisdiction": "uk", "as_of": "2025-06-17"})
        assert g7.status_code == 200 and len(g7.json()) >= 11
        due = c.get("/v1/designations", params={"due_for_review": "true", "as_of": "2026-01-20"}).json()
        assert due and all(x["iso3"] == "COD" for x in due)
        ind = c.get("/v1/indicators", params={"country": "AGO", "indicator": "returns.total"})
        assert ind.status_code == 200 and all(r["iso3"] == "AGO" for r in ind.json())
        docs = c.get("/docs")
        assert docs.status_code == 200 and "/openapi.json" in docs.text
        assert "http://" not in docs.text and "https://" not in docs.text  # no CDN, no external URL
        assert c.get("/openapi.json").json()["components"]["schemas"]["DecisionRequest"]


def test_designation_change_applies_across_processes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db_url = f"sqlite:///{tmp_path / 'shared.db'}"
    tokens = tokens_for(db_url)
    with ServeProcess(db_url) as a, ServeProcess(db_url) as b:
        sa, sb = Service(a, db_url, tokens), Service(b, db_url, tokens)
        cw_b = sb.client("caseworker")
        body = application("ago-1", "AGO", "visit", "2026-04-01")
        assert cw_b.post("/v1/decisions", json=body).json()["outcome"] == "proceed"  # warm B's cache
        new = {"id": "uk-test-ago-suspension", "jurisdiction": "uk", "iso3": "AGO", "kind": "penalty",
               "title": "Test: suspension of entry clearance for Angola", "start": "2026-03-01",
               "measures": [{"measure": "s70_suspension"}],
               "sources": [{"title": "test fixture, not a real act", "instrument": "none (test)"}]}
        admin_a = sa.client("policy_admin")
        created = admin_a.post("/v1/designations", json=new)
        assert created.status_code == 201, created.text
        assert admin_a.post("/v1/designations", json=new).status_code == 409
        suspended = cw_b.post("/v1/decisions", json={**body, "application_id": "ago-2"}).json()
        assert suspended["outcome"] == "suspended"
        assert any("uk-test-ago-suspension" in (r.get("source") or "") for r in suspended["reasons"])
        lifted = admin_a.patch("/v1/designations/uk-test-ago-suspension", json={"end": "2026-03-15"})
        assert lifted.status_code == 200, lifted.text
        again = cw_b.post("/v1/decisions", json={**body, "application_id": "ago-3"})
        assert again.json()["outcome"] == "proceed"
        bad = admin_a.patch("/v1/designations/uk-test-ago-suspension", json={"end": "2020-01-01"})
        assert bad.status_code == 422  # end before start: refused, nothing changed
        unknown = admin_a.post("/v1/designations",
                               json={**new, "id": "x2", "measures": [{"measure": "nope"}]})
        assert unknown.status_code == 422
        assert admin_a.patch("/v1/designations/none-such", json={"end": "2026-03-15"}).status_code == 404
        kinds = [r[0] for r in run_sql(db_url, "SELECT kind FROM audit_log ORDER BY seq")]
        assert kinds.count("designation.created") == 1 and kinds.count("designation.amended") == 1


@pytest.mark.parametrize("exemption", ["diplomatic"])
def test_exemptions_known_and_unknown(sqlite_service: Service, exemption: str) -> None:
    with sqlite_service.client("caseworker") as c:
        ok = c.post("/v1/decisions", json=application("ex-1", "COD", "visit", "2026-01-10",
                                                        exemptions=[exemption]))
        assert ok.status_code == 200, ok.text
        bad = c.post("/v1/decisions", json=application("ex-2", "COD", "visit", "2026-01-10",
                                                         exemptions=["no-such-exemption"]))
        assert bad.status_code == 422 and bad.json()["error"].startswith("exemptions")
