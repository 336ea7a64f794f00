"""The dashboard as an analyst reads it: summary first, charts that read, state in the URL, the period
scored and the vintage of the figures. Each test opens real pages on a real server in Chromium."""

from __future__ import annotations

import calendar
import re

import httpx
from tests.web.conftest import use_token
from tests.web.test_dashboard import assert_clean

HEADLINE_KEYS = ["agreement", "measures", "tier", "visas", "returns", "small_boats"]


def _period_end(period: str) -> tuple[int, int] | None:
    """(year, last month) of an annual period: 2025, FY2024 (to September), YE2026-06; None otherwise."""
    if m := re.fullmatch(r"(\d{4})", period):
        return int(m[1]), 12
    if m := re.fullmatch(r"FY(\d{4})", period):
        return int(m[1]), 9
    if m := re.fullmatch(r"YE(\d{4})-(\d{2})", period):
        return int(m[1]), int(m[2])
    return None


def _latest_annual(observations: list[dict], jurisdiction: str, indicator: str) -> dict | None:
    annual = [o for o in observations if o["jurisdiction"] == jurisdiction and o["indicator"] == indicator
              and _period_end(str(o["period"]))]
    return max(annual, key=lambda o: _period_end(str(o["period"])), default=None)


def test_dossier_opens_with_a_headline_then_sections(page, server) -> None:
    api = httpx.get(f"{server.base_url}/v1/countries/COD", params={"as_of": "2025-12-31"}, timeout=30).json()
    page.goto(server.base_url + "/countries/COD?as_of=2025-12-31")
    page.wait_for_selector("#dossier[data-summary=true]", state="attached")
    # The headline block comes before any section of detail, with one card per headline figure.
    order = page.eval_on_selector_all("#headline, #timeline-section, #indicators-section",
                                      "els => els.map(e => e.id)")
    assert order == ["headline", "timeline-section", "indicators-section"]
    cards = page.eval_on_selector_all("#headline-cards .headline-card",
                                      "cs => cs.map(c => c.dataset.headline)")
    assert cards == HEADLINE_KEYS
    for key in HEADLINE_KEYS:
        card = page.locator(f".headline-card[data-headline={key}]")
        sources = card.locator(".source").all_inner_texts()
        assert sources[0].startswith("Source:") and sources[1].startswith("Vintage:"), (key, sources)
    # Each figure is the API's latest annual figure, whole, with its period and period type.
    for key, indicator in (("visas", "visas.granted.total"), ("returns", "returns.total"),
                           ("small_boats", "arrivals.small_boat")):
        latest = _latest_annual(api["indicators"], "uk", indicator)
        figure = page.locator(f".headline-card[data-headline={key}] .figure")
        if latest is None:
            assert figure.inner_text() == "—"
            continue
        assert float(figure.get_attribute("data-value")) == latest["value"]
        assert figure.inner_text() == f"{round(latest['value']):,}"
        detail = page.inner_text(f".headline-card[data-headline={key}] .detail")
        period = str(latest["period"])
        assert (f"in {period} (calendar year)" in detail if period.isdigit()
                else f"year ending {calendar.month_abbr[_period_end(period)[1]]}" in detail), detail
    tier = page.locator(".headline-card[data-headline=tier]")
    assert tier.locator(".figure").get_attribute("data-tier") == api["assessment"]["tier"]
    assert f"confidence {api['assessment']['confidence']}" in tier.inner_text()
    page.wait_for_selector("#dossier[data-loaded=true]", state="attached")
    assert "Trend:" in tier.inner_text() and "loading" not in tier.inner_text()
    # A warning (17 Nov) and measures (27 Dec) were in force on 31 Dec 2025: priority processing withdrawn.
    measures = page.inner_text(".headline-card[data-headline=measures]")
    assert "priority withdrawal" in measures and "warning" in measures.lower(), measures
    # Jump list: every link lands on a heading of this page.
    targets = page.eval_on_selector_all(".jump-list a", "as => as.map(a => a.getAttribute('href'))")
    assert len(targets) == 4
    for target in targets:
        assert page.locator(target).count() == 1, target
    # Tables sit behind "Show table"; downloads stay outside it.
    details = page.locator("#indicators details.show-table").first
    assert details.get_attribute("open") is None
    assert not details.locator("table").is_visible()
    details.locator("summary").click()
    assert details.locator("table").is_visible()
    assert page.locator("#indicators .table-tools button", has_text="Download CSV").count() >= 1
    assert page.locator("#indicators .table-tools button", has_text="Download JSON").count() >= 1
    _charts_read_units_period_types_and_timeline_labels(page, server)
    assert_clean(page, server.base_url)


def _charts_read_units_period_types_and_timeline_labels(page, server) -> None:  # noqa: ANN001
    """Annual series with their unit and period type; the timeline's row labels dated, inside the chart."""
    charts = page.evaluate("""() => [...document.querySelectorAll('#indicators .chart')].filter(c => c.data)
        .map(c => ({x: c.layout.xaxis.title.text, y: c.layout.yaxis.title.text,
                    periods: c.data.flatMap(t => t.x.map(String))}))""")
    assert len(charts) >= 4
    for chart in charts:
        for kind in chart["x"].split(" / "):
            assert kind in ("calendar year", "fiscal year (US: October to September)") \
                or kind.startswith("year ending"), chart["x"]
        assert chart["y"] and chart["y"] != "count", chart["y"]  # the unit, e.g. "people", "visas"
        assert all(re.fullmatch(r"\d{4}", p) for p in chart["periods"])  # annual only: no quarters mixed in
    # The timeline: short row labels with a readable date, never the clipped full title, inside the chart.
    labels = page.eval_on_selector_all("#timeline-chart .ytick text", "ts => ts.map(t => t.textContent)")
    assert labels and all(re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4}", t) for t in labels), labels
    box = page.locator("#timeline-chart").bounding_box()
    for tick in page.locator("#timeline-chart .ytick text").all():
        b = tick.bounding_box()
        assert b["x"] >= box["x"] - 1 and b["x"] + b["width"] <= box["x"] + box["width"] + 1
    xticks = page.eval_on_selector_all("#timeline-chart .xtick text", "ts => ts.map(t => t.textContent)")
    assert len(xticks) == len(set(xticks)), xticks  # no repeated date label


def test_scenario_is_shareable_formatted_and_timed(page, server, analyst_token) -> None:
    use_token(page.context, analyst_token)  # the same analyst, in this tab and the next
    query = "baseline=uk-statutory&policy=uk-transactional-2025&year=2025&draws=1000"
    page.goto(server.base_url + "/scenarios?" + query)
    page.wait_for_selector("body[data-loaded=true]", state="attached")
    assert page.input_value("#draws") == "1000" and page.input_value("#reform") == "uk-transactional-2025"
    page.get_by_role("button", name="Run simulation").click()
    page.wait_for_selector("#results:not([hidden])", timeout=90_000)
    elapsed = page.evaluate("() => window.__resultShownAt - window.__runStartedAt")
    print(f"\nPERF scenario 1,000 draws: result shown {elapsed / 1000:.2f} s after Run (target < 2 s)")
    sim = re.search(r"[?&]sim=([0-9a-f]+)", page.url)
    assert sim, page.url
    cards = {c: page.inner_text(f".card[data-figure={c}]") for c in
             ("visas_not_issued", "applications_affected", "fee_revenue_change", "leverage")}
    assert re.search(r"^\d{1,3}(,\d{3})* visas$", cards["visas_not_issued"].splitlines()[1]), cards
    assert re.search(r"^\d{1,3}(,\d{3})* applications$",
                     cards["applications_affected"].splitlines()[1]), cards
    assert re.search(r"^−?GBP \d+(\.\d)?(m|bn)?$", cards["fee_revenue_change"].splitlines()[1]), cards
    assert re.search(r"5–95 % range: .+ to .+", cards["visas_not_issued"]), cards
    figures = "es => es.map(e => [e.dataset.path, e.dataset.value])"
    shown = page.eval_on_selector_all("#totals [data-path]", figures)
    # The link alone shows the same result again, in a new tab.
    other = page.context.new_page()
    other.goto(page.url)
    other.wait_for_selector(f"#results[data-sim='{sim.group(1)}']:not([hidden])", state="attached")
    again = other.eval_on_selector_all("#totals [data-path]", figures)
    assert again == shown
    other.close()
    # Back leaves the result (the form as it was), forward brings it back.
    page.go_back()
    page.wait_for_selector("#results[hidden]", state="attached")
    assert "sim=" not in page.url
    page.go_forward()
    page.wait_for_selector("#results:not([hidden])")
    assert f"sim={sim.group(1)}" in page.url
    assert_clean(page, server.base_url)


def _expected_latest_scorable(base_url: str, jurisdiction: str = "uk", year: int = 2025) -> tuple[str, str]:
    """The assessment's own `latest_scorable` when it reports one; else the latest period with at least
    50 nationalities scored, walking back from `year`. Returns (period, why not a later one or "")."""
    for y in range(year, year - 6, -1):
        params = {"jurisdiction": jurisdiction, "period": str(y)}
        answer = httpx.get(base_url + "/v1/assessments", params=params, timeout=60)
        if answer.status_code != 200:
            continue
        doc = answer.json()
        if doc.get("latest_scorable"):
            return doc["latest_scorable"]["period"], doc["latest_scorable"].get("why_not_next") or ""
        if doc.get("scored", 0) >= 50:
            return str(y), ""
    raise AssertionError("no period with 50 scored nationalities")


def test_overview_opens_on_latest_scorable_period_and_keeps_state_in_url(page, server) -> None:
    expected, why = _expected_latest_scorable(server.base_url)
    page.goto(server.base_url + "/?as_of=2025-12-31")
    page.wait_for_selector("body[data-loaded=true]", state="attached")
    status = page.locator("#period-status")
    assert status.get_attribute("data-period") == expected
    text = status.inner_text()
    assert f"period {expected}, the latest that can be scored" in text
    assert "Not a later one: " in text and why in text  # says why not a later period
    assert page.locator("#vintage").is_visible()
    assert f"assessment of {expected}" in page.inner_text("#vintage")
    # A layer is a history entry: back and forward walk between views.
    page.check("input[name=layer][value=tier]")
    page.wait_for_function("() => document.getElementById('map').dataset.layer === 'tier'")
    assert "layer=tier" in page.url
    tiers = page.eval_on_selector_all("#map-legend li", "lis => lis.map(li => li.dataset.category)")
    assert tiers[:3] == ["non_cooperating", "partially_cooperating", "cooperating"]
    page.go_back()
    page.wait_for_function("() => document.getElementById('map').dataset.layer === 'agreement'")
    assert page.is_checked("input[name=layer][value=agreement]")
    page.go_forward()
    page.wait_for_function("() => document.getElementById('map').dataset.layer === 'tier'")
    # The agreement legend has one kind per entry (never "arrangement; agreement").
    page.check("input[name=layer][value=agreement]")
    entries = page.eval_on_selector_all("#map-legend li", "lis => lis.map(li => li.dataset.category)")
    assert entries and all(";" not in e for e in entries)
    # A shared link with another date and jurisdiction opens that view.
    page.goto(server.base_url + "/?as_of=2024-06-30&jurisdiction=eu&layer=visas")
    page.wait_for_selector("body[data-loaded=true]", state="attached")
    assert page.input_value("#as-of") == "2024-06-30" and page.input_value("#jurisdiction") == "eu"
    assert page.get_attribute("#map", "data-layer") == "visas"
    assert_clean(page, server.base_url)


def test_policies_and_designations_keep_their_view_in_the_url(page, server) -> None:
    policies = [p["id"] for p in httpx.get(server.base_url + "/v1/policies", timeout=30).json()]
    other = next(p for p in policies if p != "uk-statutory")
    page.goto(server.base_url + "/policies?policy=uk-statutory&as_of=2025-12-31")
    page.wait_for_selector("body[data-loaded=true]", state="attached")
    assert "revision" in page.inner_text("#vintage")
    page.select_option("#policy-b", other)
    page.get_by_role("button", name="Show").click()
    page.wait_for_selector("#diff-section:not([hidden])")
    assert f"compare={other}" in page.url
    page.go_back()
    page.wait_for_selector("#diff-section[hidden]", state="attached")
    assert page.input_value("#policy-b") == ""
    page.goto(server.base_url + "/designations?as_of=2026-01-15")
    page.wait_for_selector("body[data-loaded=true]", state="attached")
    assert page.input_value("#as-of") == "2026-01-15"
    assert "in force\" as of 2026-01-15" in page.inner_text("#vintage")
    page.wait_for_selector("#designation-timeline[data-plotted=true]", state="attached")
    assert_clean(page, server.base_url)


FORMATS = {
    "VL.count(12661.1)": "12,661",
    "VL.count(3830.05)": "3,830",
    "VL.money(17700000, 'GBP')": "GBP 17.7m",
    "VL.money(-3870721.59, 'GBP')": "−GBP 3.9m",
    "VL.money(127, 'GBP')": "GBP 127",
    "VL.money(2.4e9, 'EUR')": "EUR 2.4bn",
    "VL.range(6455.38, 20222.35)": "6,455 to 20,222",
    "VL.range(74721, 74721)": "74,721",
    "VL.ratio(0.07711)": "0.0771",
    "VL.percent(0.2178)": "21.8 %",
    "VL.periodInfo('2023').type": "calendar year",
    "VL.periodInfo('FY2018').type": "fiscal year (US: October to September)",
    "VL.periodInfo('YE2026-06').label": "year ending Jun 2026",
    "VL.periodInfo('YE2026-06').type": "year ending June",
    "VL.periodInfo('2023Q4').annual": False,
    "VL.periodInfo('YE2026-06').end > VL.periodInfo('2025').end": True,
}


def test_figures_are_formatted_as_an_analyst_reads_them(page, server) -> None:
    """The page's own formatting helpers: whole counts, rounded money with currency, ranges, period types."""
    page.goto(server.base_url + "/designations")
    page.wait_for_selector("body[data-loaded=true]", state="attached")
    shown = {expr: page.evaluate(f"() => {expr}") for expr in FORMATS}
    assert shown == FORMATS
