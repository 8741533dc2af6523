"""Management portal > API clients in Chromium (issue 20, item 10): the new client's secret
is labelled and stays on the page, the Client ID and the secret each have a Copy button,
a curl command asks this portal's full token URL, and on a phone the list scrolls sideways
inside its own box while the page does not. In English and German, on a laptop and a phone.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS

WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 8).map(e => e.tagName + '.' + e.className)"""

TEXT = {
    "en": {
        "name": "Name",
        "create": "Create",
        "secret": "Client secret",
        "id": "Client ID",
        "copy": "Copy",
        "copied": "Copied to clipboard",
        "reset": "Reset secret",
    },
    "de": {
        "name": "Name",
        "create": "Erstellen",
        "secret": "Client-Geheimnis",
        "id": "Client-ID",
        "copy": "Kopieren",
        "copied": "In die Zwischenablage kopiert",
        "reset": "Geheimnis zurücksetzen",
    },
}


@pytest.mark.parametrize("width,height", [(1366, 768), (390, 844)])
@pytest.mark.parametrize("language", ["en", "de"])
def test_a_new_client_shows_a_labelled_secret_copy_buttons_and_a_curl_command(
    login, portal, language, width, height
):
    words = TEXT[language]
    page = login("globex-admin", width=width, height=height)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": portal.url}])
    page.goto("/manage/globex/api-clients/new/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    name = f"Browser {language} {width}"
    page.get_by_label(words["name"]).fill(name)
    page.get_by_role("button", name=words["create"]).click()
    page.wait_for_url("**/manage/globex/api-clients/")

    secret = page.get_by_label(words["secret"], exact=True)
    client_id = page.get_by_label(words["id"], exact=True)
    expect(secret).to_be_visible()
    expect(client_id).to_be_visible()
    secret_box = secret.bounding_box()
    assert secret_box["x"] >= 0 and secret_box["x"] + secret_box["width"] <= width
    assert len(secret.inner_text().strip()) > 30

    page.get_by_role("button", name=f"{words['copy']} {words['id']}").click()
    expect(page.locator('[data-copy-status-for="client-id"]')).to_have_text(words["copied"])
    assert page.evaluate("navigator.clipboard.readText()") == client_id.inner_text().strip()

    command = page.locator("#token-command")
    text = " ".join(command.inner_text().split())
    assert text.startswith(f"curl -u '{client_id.inner_text().strip()}:")
    assert text.endswith(f"-d grant_type=client_credentials {portal.url}/api/v1/oauth/token")

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px: {page.evaluate(WIDEST)}"
    # The list scrolls in its own box where it does not fit; its last column is reachable.
    scroller = page.locator(".table-scroll")
    row = page.get_by_role("row").filter(has_text=name)
    reset = row.get_by_role("link", name=f"{words['reset']} {name}")
    reset.scroll_into_view_if_needed()
    expect(reset).to_be_in_viewport()
    if width < 760:
        sizes = scroller.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert sizes[0] > sizes[1], sizes  # wider than the phone: it scrolls, the page not
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(
        path=SCREENSHOTS / f"api-client-new-{language}-{width}.png",
        full_page=True,
        animations="disabled",
        mask=[page.locator("[data-token-value]"), page.locator("pre.command")],
    )
    # Shown once: a reload shows neither the secret nor the command.
    page.reload()
    expect(page.locator("#client-secret")).to_have_count(0)
    expect(page.locator("#token-command")).to_have_count(0)
