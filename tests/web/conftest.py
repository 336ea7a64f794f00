"""Browser fixtures: one real `visalever serve` on a temp SQLite database and Debian's Chromium.

Each page gets a context that records every request, console error and uncaught exception, so a
test can require "no request left localhost" and "no console error" on every page it opens.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tests.conftest import missing
from tests.support.servers import ServeProcess

CHROMIUM = os.environ.get("VISALEVER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
#: The service's default policy; VISALEVER_WEB_TEST_POLICY only exists to develop against a partial tree.
POLICY = os.environ.get("VISALEVER_WEB_TEST_POLICY", "uk-statutory")


@dataclass
class Recorder:
    """What one browser page did: requests it made, console errors and page exceptions."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def foreign(self, base_url: str) -> list[str]:
        """Requests to anything but the local server (data:/blob: URLs never leave the browser)."""
        return [u for u in self.requests
                if not (u.startswith(base_url + "/") or u == base_url or u.startswith(("data:", "blob:")))]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """A real server process on a free port with a fresh SQLite database."""
    db = tmp_path_factory.mktemp("web-db") / "visalever.db"
    proc = ServeProcess(f"sqlite:///{db}", policy=POLICY)
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="session")
def analyst_token(server: ServeProcess) -> str:
    """An analyst bearer token: simulations and reform uploads need one (`simulations.run`)."""
    from tests.support.servers import create_token

    return create_token(server.db_url, "analyst")


def use_token(context, token: str) -> None:  # noqa: ANN001 - Playwright BrowserContext
    """Every page of `context` starts with `token` in its session storage, as if entered on the page."""
    context.add_init_script(f"sessionStorage.setItem('visalever.token', {json.dumps(token)})")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)) and not shutil.which("chromium"):
        missing("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture()
def page(browser, server):  # noqa: ANN001 - Playwright types are optional at import time
    """A fresh page whose requests and console errors are recorded on `page.recorder`."""
    context = browser.new_context(viewport={"width": 1360, "height": 1000}, accept_downloads=True,
                                  service_workers="block")
    pg = context.new_page()
    recorder = Recorder()
    pg.on("request", lambda request: recorder.requests.append(request.url))
    pg.on("console", lambda msg: recorder.errors.append(f"console.{msg.type}: {msg.text}")
          if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: recorder.errors.append(f"pageerror: {exc}"))
    pg.recorder = recorder
    pg.set_default_timeout(60_000)
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture()
def screenshot():
    """save(page, name): a full-page screenshot under test-artifacts/screenshots/ (gitignored)."""

    def save(pg, name: str) -> Path:  # noqa: ANN001
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        pg.screenshot(path=str(path), full_page=True)
        return path

    return save
