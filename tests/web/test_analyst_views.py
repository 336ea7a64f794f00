"""The dashboard as an analyst reads it: summary first, charts that read, state in the URL, the period
scored and the vintage of the figures. Each test opens real pages on a real server in Chromium."""

from __future__ import annotations

import re

import httpx
from tests.web.test_dashboard import assert_clean

HEADLINE_KEYS = ["agreement", "measures", "tier", "visas", "returns", "small_boats"]


def _latest_annual(observations: list[dict], jurisdiction: str, indicator: str) -> dict | None:
    annual = [o for o in observations if o["jurisdiction"] == jurisdiction and o["indicator"] == indicator
              and re.fullmatch(r"(FY)?\d{4}", str(o["period"]))]
    return max(annual, key=lambda o: int(str(o["period"]).removeprefix("FY")), default=None)


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
        assert f"in {latest['period']} (calendar year)" in detail
    tier = page.locator(".headline-card[data-headline=tier]")
    assert tier.locator(".figure").get_attribute("data-tier") == api["assessment"]["tier"]
    assert f"confidence {api['assessment']['confidence']}" in tier.inner_text()
    page.wait_for_selector("#dossier[data-loaded=true]", state="attached")
    assert "Trend:" in tier.inner_text() and "loading" not in tier.inner_text()
    # Two designations were in force on 31 Dec 2025 (warning of 17 Nov, measures of 27 Dec).
    measures = page.inner_text(".headline-card[data-headline=measures]")
    assert "priority withdrawal" in measures and "2 designations in force" in measures
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
    assert_clean(page, server.base_url)
