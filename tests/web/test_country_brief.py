"""The country brief page in a real browser: served by `visalever serve`, opened in Debian's Chromium,
with no console error, no request to any other host (the page has no script and inline SVG charts) and no
serious or critical accessibility violation (axe-core)."""

from __future__ import annotations

from tests.conftest import missing


def test_brief_page_opens_clean_and_offline(page, server, screenshot) -> None:  # noqa: ANN001
    base = server.base_url
    resp = page.goto(base + "/countries/COD/brief?jurisdiction=uk&as_of=2026-01-15", wait_until="load")
    assert resp is not None and resp.status == 200
    assert "default-src 'self'" in resp.headers.get("content-security-policy", "")
    assert page.recorder.errors == [], page.recorder.errors
    assert page.recorder.foreign(base) == [], page.recorder.foreign(base)
    text = page.inner_text("body")
    for heading in (
        "Returns agreements",
        "Acts and measures in force",
        "Cooperation evidence",
        "Evidence from past acts",
        "Options, 2025",
        "Least-cost package",
        "Sources",
    ):
        assert heading in text
    assert "MODELLED" in text and "ASSUMPTION" in text
    assert page.locator("svg[role=img]").count() >= 1
    assert page.locator("a[href^='/v1/briefs/COD']").count() == 1  # the JSON twin
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        missing("axe-playwright-python")
    found = Axe().run(page, options={"resultTypes": ["violations"]}).response["violations"]
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in found
               if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    screenshot(page, "country-brief-COD")
