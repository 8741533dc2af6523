"""Issue 20 in Chromium: the Generate form's "Number of machines" (item 3) and its error
summary (item 8), in English and German, at 1366 and 390 px. Each test's last screen is
saved as artifacts/screenshots/<test name>.png."""

import pytest
from django.utils import translation
from playwright.sync_api import expect

GENERATE = "/console/globex/devices/?pane=add&step=generate"


def t(message: str, language: str) -> str:
    """The label as the portal shows it in `language` (its compiled catalogue)."""
    with translation.override(language):
        return str(translation.gettext(message))


def open_generate_in(login, portal, username, language, width, height):
    page = login(username, width=width, height=height)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": portal.url}])
    page.goto(GENERATE)
    pane = page.get_by_role("dialog", name=t("Add devices", language))
    expect(pane).to_be_visible()
    return page, pane


@pytest.mark.parametrize(
    "language,width,height", [("en", 1366, 768), ("de", 390, 844), ("fr", 1366, 768)]
)
def test_number_of_machines_shows_only_for_up_to_n_machines(login, portal, language, width, height):
    page, pane = open_generate_in(login, portal, "globex-alice", language, width, height)
    number = pane.get_by_role("spinbutton", name=t("Number of machines", language))
    expect(pane.get_by_role("radio", name=t("Reusable", language))).to_be_checked()
    expect(number).to_be_hidden()
    pane.get_by_role("radio", name=t("Up to N machines", language)).check()
    expect(number).to_be_visible()
    number.fill("3")
    pane.get_by_role("radio", name=t("One machine", language)).check()
    expect(number).to_be_hidden()
    pane.get_by_role("radio", name=t("Up to N machines", language)).check()
    expect(number).to_have_value("3")  # kept while hidden, for a change of mind
    # A number that reaches the server beside another choice is refused, next to the field.
    pane.locator("input[name=use_limit][value=reusable]").evaluate("r => { r.checked = true; }")
    pane.get_by_role("button", name=t("Generate token", language)).click()
    pane = page.get_by_role("dialog", name=t("Add devices", language))
    summary = pane.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    refusal = t(
        "A number of machines applies only to “Up to N machines”: choose it, or clear the number.",
        language,
    )
    expect(summary).to_contain_text(refusal)
    number = pane.get_by_role("spinbutton", name=t("Number of machines", language))
    expect(number).to_be_visible()
    expect(page.locator("[data-token-value]")).to_have_count(0)


@pytest.mark.parametrize("language,width,height", [("en", 1366, 768), ("de", 390, 844)])
def test_every_error_at_once_in_a_focused_summary_at_the_top(
    login, portal, language, width, height
):
    page, pane = open_generate_in(login, portal, "globex-admin", language, width, height)
    pane.get_by_label(t("Token lifetime", language)).select_option("custom")
    pane.get_by_role("spinbutton", name=t("Custom lifetime", language)).fill("0")
    pane.get_by_role("radio", name=t("Up to N machines", language)).check()
    pane.get_by_label(t("Allowed networks", language)).fill("10.0.0.0/33")
    pane.get_by_role("button", name=t("Generate token", language)).click()
    pane = page.get_by_role("dialog", name=t("Add devices", language))
    summary = pane.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary.get_by_role("heading", name=t("There is a problem", language))).to_be_visible()
    links = summary.get_by_role("link")
    # Lifetime, user, number of machines and the network: all in the first round.
    expect(links).to_have_count(4)
    expected = ["id_custom_value", "id_user", "id_max_machines", "id_allowed_networks"]
    assert [links.nth(i).get_attribute("href") for i in range(4)] == [f"#{i}" for i in expected]
    links.nth(3).click()
    networks = pane.get_by_label(t("Allowed networks", language))
    expect(networks).to_be_focused()
    expect(networks).to_be_in_viewport()
    links.nth(1).click()
    expect(pane.get_by_label(t("User", language), exact=True)).to_be_focused()
    expect(page.locator("[data-token-value]")).to_have_count(0)
