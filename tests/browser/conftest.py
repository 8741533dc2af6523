"""Playwright driving a real Chromium against the live portal (gunicorn, own database).

Chromium comes from the system (Debian's `chromium` package; `.ci/run` installs it): set
CHROMIUM_PATH to use another. Without one, these tests are skipped with the reason printed.
Each test saves a screenshot of its final screen in artifacts/screenshots/.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.live.server import PASSWORD

# Written on every run (git-ignored); README shows copies kept in tests/browser/screens/.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Playwright's sync API keeps an event loop running; these tests touch the portal only over
# HTTP, and Django's own fixtures (cache, schema reset) are safe to run beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def find_chromium() -> str | None:
    candidates = [
        os.environ.get("CHROMIUM_PATH"),
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
        shutil.which("google-chrome"),
    ]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


@pytest.fixture(scope="session")
def browser():
    path = find_chromium()
    if path is None:
        reason = "no Chromium found (install Debian's chromium or set CHROMIUM_PATH)"
        print(f"\nSKIPPING browser tests: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def portal(live_portal):
    return live_portal


@pytest.fixture
def new_page(browser, portal, request):
    """`new_page(width, height)`: a fresh browser context (own cookies, clipboard allowed)."""
    contexts = []

    def _new_page(width=1280, height=800):
        context = browser.new_context(
            viewport={"width": width, "height": height}, base_url=portal.url
        )
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=portal.url)
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if contexts and contexts[-1].pages:
        page = contexts[-1].pages[-1]
        # Token values are masked even in throwaway screenshots.
        secrets = [page.locator("[data-token-value]"), page.locator("pre.command")]
        page.screenshot(
            path=SCREENSHOTS / f"{request.node.name}.png", animations="disabled", mask=secrets
        )
    for context in contexts:
        context.close()


@pytest.fixture
def login(new_page):
    """`login("globex-alice")`: a page signed in through the login form."""

    def _login(username: str, **size):
        page = new_page(**size)
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/console/**")
        return page

    return _login
