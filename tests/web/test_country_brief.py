"""The country brief page in a real browser: served by `visalever serve`, opened in Debian's Chromium,
with no console error and no request to any other host (the page has no script and inline SVG charts)."""

from __future__ import annotations


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
    screenshot(page, "country-brief-COD")
