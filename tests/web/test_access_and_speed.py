"""Every page accessible (axe-core: no serious or critical violation), operable by keyboard with a visible
focus, usable at 390 px and 1920 px (screenshots of both for review), and timed (reported, not asserted)."""

from __future__ import annotations

import pytest
from tests.conftest import missing
from tests.web.conftest import Recorder, use_token
from tests.web.test_dashboard import assert_clean, simulate_via_api

WIDTHS = {"phone": (390, 844), "desktop": (1920, 1080)}
PAGES = {
    "overview": ("/?as_of=2025-12-31", "body[data-loaded=true]"),
    "dossier": ("/countries/COD?as_of=2025-12-31", "#dossier[data-loaded=true]"),
    "policies": ("/policies?policy=uk-statutory&as_of=2025-12-31", "body[data-loaded=true]"),
    "scenarios": ("/scenarios?sim={sim}", "#results:not([hidden])"),
    "designations": ("/designations?as_of=2025-12-31", "body[data-loaded=true]"),
}
#: What a keyboard user must reach on every page (when the element is shown).
CONTROLS = ("a.skip-link, header nav a, form input:not([type=hidden]), form select, form button, "
            "main summary, .table-tools button")


@pytest.fixture(scope="module")
def finished_simulation(server, analyst_token) -> str:
    """A finished 200-draw run, so the scenarios page is checked with its results on screen."""
    body = {"policy": "uk-transactional-2025", "baseline": "uk-statutory", "year": 2025, "draws": 200}
    return simulate_via_api(server.base_url, body, analyst_token)["id"]


@pytest.fixture(scope="module")
def axe():  # noqa: ANN201 - optional test dependency
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        missing("axe-playwright-python")
    return Axe()


def _open(browser, server, name: str, sim: str, width: str, token: str):  # noqa: ANN001, ANN202
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, service_workers="block")
    use_token(context, token)
    page = context.new_page()
    page.recorder = Recorder()
    page.on("request", lambda request: page.recorder.requests.append(request.url))
    page.on("console", lambda msg: page.recorder.errors.append(f"console.{msg.type}: {msg.text}")
            if msg.type == "error" else None)
    page.on("pageerror", lambda exc: page.recorder.errors.append(f"pageerror: {exc}"))
    page.set_default_timeout(60_000)
    path, ready = PAGES[name]
    page.goto(server.base_url + path.format(sim=sim))
    page.wait_for_selector(ready, state="attached")
    page.wait_for_load_state("networkidle")
    return context, page


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("name", list(PAGES))
def test_page_is_accessible_and_fits(browser, server, axe, screenshot, finished_simulation, analyst_token,
                                     name: str, width: str) -> None:
    context, page = _open(browser, server, name, finished_simulation, width, analyst_token)
    try:
        results = axe.run(page, options={"resultTypes": ["violations"]})
        serious = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
                   for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == [], serious
        # Usable at this width: nothing but scroll regions (tables) is wider than the window.
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"page is {overflow}px wider than the {WIDTHS[width][0]}px window"
        assert page.locator("#vintage").is_visible()
        assert page.inner_text("#vintage").startswith("Vintage of the figures on this page")
        screenshot(page, f"{name}-{WIDTHS[width][0]}")
        assert_clean(page, server.base_url)
    finally:
        context.close()


MARK_CONTROLS = """sel => [...document.querySelectorAll(sel)]
    .filter(e => e.getClientRects().length && !e.disabled && getComputedStyle(e).visibility !== 'hidden')
    .map((e, i) => { e.dataset.kb = String(i); return i; }).length"""
FOCUSED = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) return null;
    const s = getComputedStyle(e);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
    return {kb: e.dataset.kb ?? null, tag: e.tagName + (e.id ? '#' + e.id : ''),
            focus: outline || s.boxShadow !== 'none'};
}"""
UNREACHED = """r => [...document.querySelectorAll('[data-kb]')].filter(e => !r.includes(e.dataset.kb))
    .map(e => e.tagName + (e.id ? '#' + e.id : '') + ' '
              + (e.textContent || e.name || '').trim().slice(0, 40))"""


@pytest.mark.parametrize("name", list(PAGES))
def test_every_control_is_reached_by_keyboard_with_visible_focus(browser, server, finished_simulation,
                                                                  analyst_token, name: str) -> None:
    context, page = _open(browser, server, name, finished_simulation, "desktop", analyst_token)
    try:
        wanted = page.evaluate(MARK_CONTROLS, CONTROLS)
        assert wanted > 3
        reached: set[str] = set()
        unstyled: list[str] = []
        page.locator("body").click(position={"x": 1, "y": 1})
        for _ in range(wanted + 400):
            page.keyboard.press("Tab")
            info = page.evaluate(FOCUSED)
            if info is None:
                continue
            if not info["focus"]:
                unstyled.append(info["tag"])
            if info["kb"] is not None:
                reached.add(info["kb"])
            if len(reached) == wanted:
                break
        unreached = page.evaluate(UNREACHED, sorted(reached))
        assert unreached == [], unreached
        assert unstyled == [], f"focus not visible on {sorted(set(unstyled))[:10]}"
        assert_clean(page, server.base_url)
    finally:
        context.close()


def test_speed_is_reported(browser, server, finished_simulation, analyst_token) -> None:
    """Overview map drawn and dossier summary visible, from navigation start (targets: < 1 s each)."""
    figures = {}
    for name, probe in (("overview", "window.__mapDrawnAt"), ("dossier", "window.__summaryShownAt")):
        timings = []
        for _ in range(2):
            context, page = _open(browser, server, name, finished_simulation, "desktop", analyst_token)
            try:
                timings.append(page.evaluate(f"() => {probe}"))
            finally:
                context.close()
        figures[name] = timings
    shown = {name: ", ".join(f"{t / 1000:.2f} s" for t in ts) for name, ts in figures.items()}
    print(f"\nPERF overview map drawn: {shown['overview']} (target < 1 s)")
    print(f"PERF dossier COD summary visible: {shown['dossier']} (target < 1 s)")
    assert all(t and t > 0 for ts in figures.values() for t in ts)
