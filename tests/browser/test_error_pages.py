"""Issue 20: the designed, translated error pages in every mode, in Chromium against a
portal served with DEBUG on (as the run command serves it): a stale Manage link and a tenant
outside one's scope answer the designed 404, a malformed request the designed 400, a link to
a form's address the designed 405; and a column header on a page a POST rendered (a
reissued token's value) leads to the page, not to the form's address."""

import re
import uuid
from collections.abc import Iterator

import pytest
from django.utils import translation
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.live.databases import template_copy
from tests.live.server import (
    LivePortal,
    portal_env,
    start_gunicorn,
    stop_gunicorn,
    wait_until_up,
)
from tests.live.test_agents_live import new_token

# Django's technical pages (yellow 404, debug 500 page) say these; the designed one never.
TECHNICAL = re.compile(r"Using the URLconf|Django settings|Traceback|technical_404|DEBUG = True")


@pytest.fixture(scope="module")
def portal(tmp_path_factory) -> Iterator[LivePortal]:
    """A portal served with DEBUG on (one gunicorn worker, its own database)."""
    with template_copy("debug") as (database_url, dsn):
        env = portal_env(database_url, PORTAL_TEST_DEBUG="true")
        log = tmp_path_factory.mktemp("gunicorn-debug") / "gunicorn.log"
        process, url = start_gunicorn(env=env, workers=1, threads=2, log=log)
        try:
            wait_until_up(url, process, log)
            yield LivePortal(url=url, database_url=database_url, dsn=dsn, log=log)
        finally:
            stop_gunicorn(process)


def secrets(page):
    return [page.locator("[data-token-value]"), page.locator("pre.command")]


def _in_language(page, portal, language: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": language, "url": portal.url}])


def _designed(page, response, status: int, title: str, language: str) -> None:
    assert response is not None and response.status == status
    with translation.override(language):
        heading = str(translation.gettext(title))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("code.request-id")).to_be_visible()
    assert not TECHNICAL.search(page.content())


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_not_found_is_the_designed_page_with_debug_on(login, portal, language):
    page = login("globex-admin", width=1366, height=768)
    _in_language(page, portal, language)
    stale = f"/console/globex/devices/?pane=tokens&manage={uuid.uuid4()}"
    _designed(page, page.goto(stale), 404, "Page not found", language)
    _designed(page, page.goto("/manage/initech/audit/"), 404, "Page not found", language)
    _designed(page, page.goto("/no/such/page/"), 404, "Page not found", language)


def test_bad_request_is_the_designed_page_with_debug_on(login, portal):
    page = login("globex-admin", width=390, height=844)
    _in_language(page, portal, "fr")
    too_many = "&".join(["f"] * 1100)  # over DATA_UPLOAD_MAX_NUMBER_FIELDS (1000)
    _designed(page, page.goto(f"/accounts/login/?{too_many}"), 400, "Bad request", "fr")


# At 1366 px: on a phone the table is a list of cards, without column headers.
@pytest.mark.parametrize("width,height,language", [(1366, 768, "en"), (1366, 768, "fr")])
def test_a_column_header_after_a_post_opens_the_page_not_a_blank_405(
    login, portal, width, height, language
):
    new_token(portal, user="globex-bob")
    page = login("globex-admin", width=width, height=height)
    _in_language(page, portal, language)
    page.goto("/console/globex/devices/?pane=tokens")
    pane = page.locator(".pane")
    pane.locator("a[href*='manage=']").first.click()
    # Reissue's first step, the confirmation, is the answer to a POST (at the form's address).
    pane.locator("form[action*='/reissue/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/tokens/[0-9a-f-]+/reissue/(#reissue-title)?$"))
    expect(pane.locator("#reissue-title")).to_be_visible()
    # Its Cancel link leads to the page, not to the form's address (a GET there is a 405).
    cancel = pane.locator("form.confirm a.button")
    assert cancel.get_attribute("href").startswith("/console/globex/devices/?")
    header = pane.locator("th a").first
    with page.expect_response(lambda r: r.request.method == "GET") as answer:
        header.click()
    assert answer.value.status == 200, answer.value.url
    expect(page).to_have_url(re.compile(r"/console/globex/devices/\?.*pane=tokens"))
    expect(pane.locator("table")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"sorted_after_a_post_{language}.png", mask=secrets(page))
    # The form's address itself, reached by a link: the designed page, not a blank 405.
    response = page.goto("/console/globex/tokens/delete/")
    _designed(page, response, 405, "This page cannot be opened by a link", language)
    assert "POST" in response.headers.get("allow", "")
