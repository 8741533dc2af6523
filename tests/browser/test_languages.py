"""The footer's language selector and the browser's language, in Chromium: German and
French pages by their visible labels, the choice remembered across pages."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.live.server import PASSWORD


def test_the_footer_selector_switches_the_language_and_remembers_it(new_page):
    page = new_page(1366, 768)
    page.goto("/accounts/login/")
    footer = page.get_by_role("contentinfo")
    footer.get_by_label("Language").select_option(label="Deutsch")
    footer.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_label("Benutzername").fill("globex-admin")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/console/**")
    menu = page.get_by_role("navigation", name="Protection console")
    expect(menu.get_by_role("link", name="Alle Geräte")).to_be_visible()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    # Another page, same browser: still German (the cookie), then French from the footer.
    page.goto("/manage/globex/usage/")
    expect(page.get_by_role("heading", name="Nutzung", level=1)).to_be_visible()
    footer = page.get_by_role("contentinfo")
    expect(footer.get_by_label("Sprache")).to_have_value("de")
    footer.get_by_label("Sprache").select_option(label="Français")
    footer.get_by_role("button", name="Sprache ändern").click()
    expect(page).to_have_url(re.compile(r"/manage/globex/usage/$"))
    expect(page.get_by_role("heading", name="Utilisation", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Gérer le service")).to_be_visible()


def test_a_french_browser_gets_french_pages_without_choosing(browser, portal):
    context = browser.new_context(locale="fr-FR", base_url=portal.url)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        expect(page.get_by_role("button", name="Se connecter")).to_be_visible()
        expect(page.get_by_role("contentinfo").get_by_label("Langue")).to_have_value("fr")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "sign_in_french.png", animations="disabled")
    finally:
        context.close()
