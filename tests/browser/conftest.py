"""Browser tests: Debian's Chromium driven by Playwright.

Outside CI they skip with a message when no Chromium is installed; with
RL_REQUIRE_BROWSER=1 (set by .ci/run) a missing browser is a failure.
"""

import os
import shutil

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


def _chromium_path() -> str | None:
    for candidate in (os.environ.get("RL_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.fixture
def browser():
    # Function scope: Playwright's sync API keeps an event loop running in
    # this thread while it is open, which would make every later test on the
    # same worker look async to Django.
    path = _chromium_path()
    if path is None:
        message = "No Chromium found (apt-get install chromium, or set RL_CHROMIUM): browser tests skipped."
        if os.environ.get("RL_REQUIRE_BROWSER") == "1":
            pytest.fail(message.replace("skipped", "required in CI"))
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, settings, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the live server
    # and the test's own ORM calls are ordinary synchronous Django.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # No tile server in tests: the map must show its points without tiles.
    settings.RL_TILE_URL = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    context = browser.new_context(
        locale="en-US",
        viewport={"width": 390, "height": 844},  # a phone
        geolocation={"latitude": 30.2705, "longitude": 120.1622},
        permissions=["geolocation"],
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()
