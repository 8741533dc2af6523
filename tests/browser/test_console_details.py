"""Issue 20, item 12 in Chromium: the small things a hurried administrator trips over, in
English and another language, at 1366 and 390 px where layout is involved. Each test's last
screen is saved as artifacts/screenshots/<test name>.png."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from tests.browser.test_manual import TOKEN, register
from tests.browser.test_token_pane import api
from tests.live.http import Session
from tests.live.server import PASSWORD


def t(message: str, language: str) -> str:
    with translation.override(language):
        return str(translation.gettext(message))


def signed_in(login, portal, username, language, width=1366, height=768):
    page = login(username, width=width, height=height)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": portal.url}])
    return page


def new_token(portal) -> dict:
    admin = api(portal, "globex-admin")
    users = admin.get_json("/api/v1/tenants/globex/users")[1]["items"]
    bob = next(u["id"] for u in users if u["username"] == "globex-bob")
    status, body = admin.post_json("/api/v1/tenants/globex/registration_tokens", {"user_id": bob})
    assert status == 201
    return body


@pytest.mark.parametrize("language", ["en", "de"])
def test_manage_names_the_token_by_two_characters_and_never_unregisters_0_machines(
    login, portal, language
):
    token = new_token(portal)
    page = signed_in(login, portal, "globex-admin", language)
    page.goto(f"/console/globex/devices/?pane=tokens&manage={token['id']}")
    title = page.locator("#manage-title")
    expect(title).to_be_visible()
    text = title.inner_text()
    assert re.search(r"\b" + re.escape(token["token"][:2]) + r"••(?!•)", text), text
    assert text.count("•") == 2, f"the title masks more than two characters: {text}"
    leak = t("Delete and unregister its machines", language)
    expect(page.get_by_role("button", name=leak)).to_have_count(0)
    page.get_by_role("button", name=t("Delete token", language)).click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_be_visible()
    expect(confirm).not_to_contain_text(re.compile(r"\b0\b"))
    expect(confirm).to_contain_text(
        t("Delete this token? It has registered no machines.", language)
    )
    confirm.get_by_role("button", name=t("Delete token", language)).click()
    expect(page.get_by_role("dialog")).to_contain_text(
        t("The registration token was deleted.", language)
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_find_a_customer_goes_to_the_customer_it_finds(login, portal, language):
    page = signed_in(login, portal, "msp-admin", language)
    page.goto("/console/demo-msp/devices/?pane=add")
    pane = page.get_by_role("dialog")
    search = pane.get_by_role("searchbox", name=t("Find a customer", language))
    search.fill("nonesuch")
    pane.get_by_role("button", name=t("Search", language)).click()
    message = t("No customer matches “%(q)s”.", language) % {"q": "nonesuch"}
    expect(page.get_by_role("dialog")).to_contain_text(message)
    page.get_by_role("dialog").get_by_role("searchbox").fill("init")
    page.get_by_role("dialog").get_by_role("button", name=t("Search", language)).click()
    expect(page).to_have_url(re.compile(r"/console/initech/devices/\?pane=add&step=generate"))
    expect(page.get_by_role("navigation").locator("summary")).to_contain_text("Initech")
    expect(page.get_by_role("dialog").get_by_label(t("Token lifetime", language))).to_be_visible()


PAGES = [
    ("globex-admin", "/console/globex/devices/", "All devices", "Protection console"),
    ("globex-admin", "/console/globex/plans/", "Protection plans", "Protection console"),
    ("globex-admin", "/console/globex/plans/new/", "Create plan", "Protection console"),
    ("msp-admin", "/manage/demo-msp/customers/", "Customers", "Management portal"),
    ("globex-admin", "/manage/globex/users/", "Users", "Management portal"),
    ("globex-admin", "/manage/globex/users/new/", "New user", "Management portal"),
    ("globex-admin", "/manage/globex/usage/", "Usage", "Management portal"),
    ("globex-admin", "/manage/globex/audit/", "Audit log", "Management portal"),
    ("globex-admin", "/manage/globex/api-clients/", "API clients", "Management portal"),
]


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_tab_names_its_page(login, portal, language):
    pages = {}
    for username, path, name, product in PAGES:
        if username not in pages:
            pages[username] = signed_in(login, portal, username, language)
        page = pages[username]
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(t(name, language))
        assert page.title() == f"{t(name, language)} — {t(product, language)}", path
    page = pages["globex-admin"]
    page.goto("/console/globex/devices/?pane=tokens")
    assert page.title() == " — ".join(
        t(n, language) for n in ("Active tokens", "All devices", "Protection console")
    )


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_token_and_its_commands_stay_inside_their_blocks_at_390_px(login, portal, language):
    page = signed_in(login, portal, "globex-admin", language, width=390, height=844)
    page.emulate_media(reduced_motion="reduce")  # no slide-in: measure where it stays
    page.goto("/console/globex/devices/?pane=add&step=generate")
    pane = page.get_by_role("dialog")
    pane.get_by_label(t("User", language), exact=True).select_option(label="globex-bob")
    pane.get_by_label(t("Protection plan", language)).select_option(label="Daily backup")
    pane.get_by_role("button", name=t("Generate token", language)).click()
    value = page.locator("[data-token-value]").inner_text().strip()
    assert TOKEN.match(value.replace("\n", ""))
    blocks = page.evaluate(
        """() => [...document.querySelectorAll('pre.command, .token-value')].map(el => {
          const box = el.getBoundingClientRect();
          const parts = [...el.querySelectorAll('.arg')].map(a => a.getBoundingClientRect());
          return {id: el.id, sideways: el.scrollWidth - el.clientWidth, right: box.right,
                  outside: parts.filter(p => p.right > box.right + 1).length};
        })"""
    )
    assert len(blocks) >= 5
    for block in blocks:
        assert block["sideways"] <= 1 and block["outside"] == 0, block
        assert block["right"] <= 391, block
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    # Copy still gives the plain command and token, whatever the line breaks.
    page.get_by_role("button", name=t("Copy", language), exact=True).click()
    assert page.evaluate("navigator.clipboard.readText()") == value.replace("\n", "")


@pytest.mark.parametrize("language,width,height", [("en", 390, 844), ("de", 390, 844)])
def test_devices_table_needs_no_sideways_scrolling_on_a_phone(
    login, portal, language, width, height
):
    token = new_token(portal)
    host = f"a-rather-long-hostname-of-a-build-server-{language}"
    assert register(portal, token["token"], host)[0] == 201
    page = signed_in(login, portal, "globex-admin", language, width=width, height=height)
    page.goto("/console/globex/devices/")
    table = page.get_by_role("table")
    expect(table).to_be_visible()
    found = page.evaluate(
        """() => {
          const table = document.querySelector('main table');
          const cells = [...table.querySelectorAll('td')].map(td => td.getBoundingClientRect());
          return {page: document.documentElement.scrollWidth - window.innerWidth,
                  table: table.scrollWidth - table.clientWidth,
                  outside: cells.filter(c => c.left < 0 || c.right > window.innerWidth).length};
        }"""
    )
    assert found == {"page": 0, "table": 0, "outside": 0}, found
    row = table.locator("tr").filter(has_text="a-rather-long-hostname")
    labels = row.locator("td").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content.replace(/\"/g, ''))"
    )
    assert t("Owner", language) in labels and t("Last seen", language) in labels, labels


def test_manage_service_opens_the_console_without_a_dangling_question_mark(login, portal):
    page = signed_in(login, portal, "msp-admin", "de")
    page.goto("/manage/demo-msp/usage/")
    manage = page.get_by_role("button", name=t("Manage service", "de"))
    assert manage.get_attribute("href") == "/console/demo-msp/devices/"
    manage.focus()
    page.keyboard.press("Space")
    expect(page).to_have_url(re.compile(r"/console/demo-msp/devices/$"))


def test_django_admin_copies_the_value_and_a_reload_after_save_makes_no_second_token(login, portal):
    session = Session(portal.url).login("globex-admin", PASSWORD)

    def count():
        return len(
            session.get_json("/api/v1/tenants/globex/registration_tokens?limit=1000")[1]["items"]
        )

    page = login("msp-admin")
    page.goto("/admin/")
    page.locator("#admin-scope-select").select_option(label="Globex")
    page.get_by_role("button", name="Select", exact=True).click()
    page.goto("/admin/tokens/registrationtoken/add/")
    page.get_by_label("User").select_option(label="globex-alice")
    before = count()
    page.get_by_role("button", name="Save", exact=True).click()
    value = page.locator("#token-value").inner_text().strip()
    assert TOKEN.match(value)
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_text("Copied to clipboard")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == value
    assert count() == before + 1
    page.reload()
    expect(page.locator("#token-value")).to_have_count(0)
    assert value not in page.content()
    assert count() == before + 1
