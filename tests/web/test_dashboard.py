"""The dashboard in a real browser against a real server: pages load cleanly and stay offline, and the
figures on a page are the API's figures (dossier, scenario run by clicking, overview table)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from tests.web.conftest import use_token

PAGES = {
    "overview": ("/?as_of=2025-12-31", "body[data-loaded=true]"),
    "dossier": ("/countries/AGO?as_of=2025-12-31", "#dossier[data-loaded=true]"),
    "policies": ("/policies", "body[data-loaded=true]"),
    "scenarios": ("/scenarios", "#baseline option"),
    "designations": ("/designations", "body[data-loaded=true]"),
}
ATTRIBUTIONS = ("Open Government Licence v3.0", "DG HOME", "Eurostat", "Department of State",
                "Department of Homeland Security", "Natural Earth", "world-atlas")


def numeric_leaves(value: Any, prefix: str = "") -> dict[str, float]:
    """Every number in a JSON document by its dotted path (booleans are not figures)."""
    out: dict[str, float] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out.update(numeric_leaves(item, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.update(numeric_leaves(item, f"{prefix}.{i}" if prefix else str(i)))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        out[prefix] = float(value)
    return out


def shown_values(page, selector: str = "[data-path]") -> dict[str, str]:  # noqa: ANN001
    """data-path -> data-value of every figure the page rendered."""
    return page.eval_on_selector_all(
        selector, "els => Object.fromEntries(els.map(e => [e.dataset.path, e.dataset.value ?? null]))")


def assert_clean(page, base_url: str) -> None:  # noqa: ANN001
    assert page.recorder.errors == [], page.recorder.errors
    assert page.recorder.foreign(base_url) == [], page.recorder.foreign(base_url)
    assert page.inner_text("#errors").strip() == ""


@pytest.mark.parametrize("name", list(PAGES))
def test_page_loads_clean_offline_and_attributed(page, server, screenshot, name: str) -> None:
    path, ready = PAGES[name]
    page.goto(server.base_url + path)
    page.wait_for_selector(ready, state="attached")
    page.wait_for_load_state("networkidle")
    footer = page.inner_text("footer")
    for words in ATTRIBUTIONS:
        assert words in footer, f"footer lacks {words!r}"
    twins = page.eval_on_selector_all("a.json-twin", "els => els.map(e => e.getAttribute('href'))")
    assert twins and all(t.startswith("/v1/") for t in twins)
    for twin in twins:
        assert httpx.get(server.base_url + twin, timeout=30).status_code == 200, twin
    assert page.locator("a.skip-link").get_attribute("href") == "#main"
    # The navigation reaches the law's changelog everywhere and, on a country page, that country's brief.
    nav = page.eval_on_selector_all("header nav a", "as => as.map(a => a.getAttribute('href'))")
    assert "/changes" in nav
    if name == "dossier":
        brief = next(h for h in nav if "/brief" in h)
        assert brief.startswith("/countries/AGO/brief?as_of=2025-12-31")
        assert httpx.get(server.base_url + brief, timeout=60).status_code == 200
    screenshot(page, name)
    assert_clean(page, server.base_url)
    requested = {u.split("?")[0] for u in page.recorder.requests}
    # Plotly.js is fetched from this server, and only by pages that draw a chart on opening.
    assert (server.base_url + "/assets/plotly.min.js" in requested) == (name in ("dossier", "designations"))


def test_dossier_shows_the_api_figures(page, server) -> None:
    api = httpx.get(f"{server.base_url}/v1/countries/AGO", params={"as_of": "2025-12-31"}, timeout=30).json()
    page.goto(server.base_url + "/countries/AGO?as_of=2025-12-31")
    page.wait_for_selector("#dossier[data-loaded=true]", state="attached")
    shown = shown_values(page)
    expected = numeric_leaves(api)
    assert expected, "the dossier API returned no figures to compare"
    missing_paths = [p for p in expected if p not in shown]
    assert missing_paths == [], f"{len(missing_paths)} API figures not on the page, e.g. {missing_paths[:5]}"
    wrong = {p: (shown[p], v) for p, v in expected.items() if float(shown[p]) != v}
    assert wrong == {}
    assert page.inner_text("#country-name") == api["name"]
    assert_clean(page, server.base_url)


def simulate_via_api(base_url: str, body: dict[str, Any], token: str) -> dict[str, Any]:
    """The finished job of POST /v1/simulations (polled), as the token's holder sees it."""
    auth = {"Authorization": f"Bearer {token}"}
    job = httpx.post(base_url + "/v1/simulations", json=body, headers=auth, timeout=60).json()
    deadline = time.monotonic() + 90
    while job.get("status") not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        job = httpx.get(f"{base_url}/v1/simulations/{job['id']}", headers=auth, timeout=30).json()
    assert job.get("status") == "done", job
    return job


def _simulate_via_api(base_url: str, body: dict[str, Any], token: str) -> dict[str, Any]:
    return simulate_via_api(base_url, body, token)["result"]


def test_scenario_run_by_clicking_equals_the_api(page, server, screenshot, analyst_token) -> None:
    use_token(page.context, analyst_token)
    policies = [p["id"] for p in httpx.get(server.base_url + "/v1/policies", timeout=30).json()]
    reform = "uk-transactional-2025" if "uk-transactional-2025" in policies else policies[-1]
    baseline = server.policy
    page.goto(server.base_url + "/scenarios")
    page.wait_for_selector(f"#reform option[value='{reform}']", state="attached")
    page.select_option("#baseline", baseline)
    page.select_option("#reform", reform)
    page.fill("#draws", "25")
    page.get_by_role("button", name="Run simulation").click()
    page.wait_for_selector("#results:not([hidden])", timeout=90_000)
    assert page.locator("#progress").evaluate("p => p.value") == 1
    shown = shown_values(page, "#totals [data-path]")
    body = {"policy": reform, "baseline": baseline, "year": 2025, "draws": 25, "microdata": False}
    api = _simulate_via_api(server.base_url, body, analyst_token)
    expected = {p: v for p, v in numeric_leaves(api["totals"], "totals").items()
                if not p.startswith("totals.unallocated")}
    assert expected
    assert {p: float(shown[p]) for p in expected if p in shown} == expected
    assert set(expected) <= set(shown)
    # What the page says about the law it used: a policy that is not enacted law is labelled.
    not_enacted = [p for p in api["metadata"]["policies"] if p.get("enacted") is False]
    notes = page.inner_text("#notes")
    for p in not_enacted:
        assert p["id"] in notes
    with page.expect_download() as download:
        page.click("#download-json")
    saved = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert saved["totals"] == api["totals"]
    screenshot(page, "scenarios-result")
    assert_clean(page, server.base_url)


def test_overview_table_is_the_map_and_links_to_dossiers(page, server) -> None:
    page.goto(server.base_url + "/?as_of=2025-12-31&layer=visas")
    page.wait_for_selector("body[data-loaded=true]", state="attached")
    visas = httpx.get(server.base_url + "/v1/indicators", params={"jurisdiction": "uk",
                      "indicator": "visas.granted.total"}, timeout=30).json()
    latest = {o["iso3"]: o["value"] for o in visas if o["period"] == "2025" and o["iso3"] != "ALL"}
    rows = page.eval_on_selector_all(
        "#countries tbody tr",
        "trs => trs.map(tr => [tr.dataset.key, tr.children[5].dataset.value ?? null])")
    table = {k: v for k, v in rows}
    for iso3, value in latest.items():
        assert float(table[iso3]) == value, iso3
    # The map is the table: every outline of a country in the table is filled with its row's legend class.
    drawn = page.eval_on_selector_all(
        "#map path[data-iso3]",
        "ps => ps.map(p => [p.dataset.iso3, p.dataset.category, p.getAttribute('fill')])")
    assert len(drawn) > 150
    keys = set(table)
    legend = dict(page.eval_on_selector_all(
        "#map-legend li",
        "lis => lis.map(li => [li.dataset.category, li.querySelector('.swatch').style.background])"))
    for iso3, category, _fill in drawn:
        if iso3 in keys:
            assert category in legend, (iso3, category)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    lines = open(download.value.path(), encoding="utf-8").read().strip().splitlines()
    assert len(lines) == len(rows) + 1
    # A click on the country's outline (dispatched on the path: Angola's bounding box centre can fall on
    # DR Congo, between Angola and Cabinda) opens its dossier.
    page.dispatch_event("#map path[data-iso3='AGO']", "click")
    page.wait_for_url("**/countries/AGO")
    assert_clean(page, server.base_url)


def test_policy_admin_creates_and_lifts_a_designation_from_the_page(page, server) -> None:
    from tests.support.servers import create_token

    token = create_token(server.db_url, "policy_admin")
    designation_id = f"uk-web-test-{time.time_ns()}"
    body = {"id": designation_id, "jurisdiction": "uk", "iso3": "NAM", "kind": "penalty",
            "title": "Test slow-down entered from the dashboard", "start": "2026-03-01",
            "measures": [{"measure": "s70_slowdown", "categories": ["visit"]}],
            "sources": [{"title": "Dashboard browser test", "url": "https://www.gov.uk/"}]}
    page.goto(server.base_url + "/designations")
    page.wait_for_selector("body[data-loaded=true]", state="attached")
    page.fill("#create-body", json.dumps(body))
    page.get_by_role("button", name="Create designation").click()
    page.wait_for_selector("#errors .error")  # without a token the page refuses, says so, sends nothing
    assert page.inner_text("#errors").startswith("token:")
    page.fill("#token", token)
    page.get_by_role("button", name="Use token").click()
    assert page.evaluate("() => sessionStorage.getItem('visalever.token')") == token
    page.get_by_role("button", name="Create designation").click()
    page.wait_for_selector(f"#designations tr[data-key='{designation_id}']", state="attached")
    stored = {d["id"]: d for d in httpx.get(server.base_url + "/v1/designations", timeout=30).json()}
    assert stored[designation_id]["start"] == "2026-03-01" and stored[designation_id].get("end") is None
    page.select_option("#amend-id", designation_id)
    page.fill("#lift-date", "2026-04-01")
    page.get_by_role("button", name="Lift as of date").click()
    page.wait_for_function(
        "id => [...document.querySelectorAll('#designations tr')].some(tr => tr.dataset.key === id"
        " && tr.innerText.includes('2026-04-01'))", arg=designation_id)
    stored = {d["id"]: d for d in httpx.get(server.base_url + "/v1/designations", timeout=30).json()}
    assert stored[designation_id]["end"] == "2026-04-01"
    assert_clean(page, server.base_url)


def test_uploaded_reform_yaml_is_checked_then_simulated(server, analyst_token) -> None:
    reform = "id: web-upload-reform\nextends: uk-statutory\nstatus: scenario\nnote: dashboard upload test\n"
    auth = {"Authorization": f"Bearer {analyst_token}"}
    answer = httpx.post(server.base_url + "/scenarios/reform-files", content=reform.encode(), headers=auth,
                        timeout=30)
    assert answer.status_code in (200, 201), answer.text
    result = _simulate_via_api(server.base_url, {"policy": answer.json()["path"], "baseline": "uk-statutory"},
                               analyst_token)
    assert result["totals"]["visas_not_issued"] == 0  # a reform that changes nothing issues the same visas
    broken = httpx.post(server.base_url + "/scenarios/reform-files", content=b"id: [broken\n", headers=auth,
                        timeout=30)
    assert broken.status_code == 422
    message = json.dumps(broken.json())
    assert "reform file" in message and "\\n" not in message
