"""The manual's procedures, step by step, by visible labels and roles."""

import re

from playwright.sync_api import expect

from tests.live.http import post_json

ALL_CUSTOMERS = "You cannot generate a token on the All customers level."
TOKEN = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){6}$")


def register(portal, token, hostname):
    body = {"token": token, "hostname": hostname, "os": "Ubuntu 24.04", "machine_id": hostname}
    return post_json(portal.url, "/api/v1/agents/register", body)


def open_add_devices(page):
    """Devices > All devices > Add: the Add devices pane opens on the right."""
    page.get_by_role("navigation").get_by_role("link", name="All devices").click()
    page.get_by_role("button", name="Add", exact=True).click()
    pane = page.get_by_role("dialog", name="Add devices")
    expect(pane).to_be_visible()
    return pane


def generate(page, pane, *, user=None, plan=None):
    """Scroll to Registration token, Generate, (choose), Generate token: the value."""
    pane.get_by_role("heading", name="Registration token").scroll_into_view_if_needed()
    pane.get_by_role("button", name="Generate", exact=True).click()
    expect(pane.get_by_label("Token lifetime")).to_have_value("259200")  # 3 days
    if user:
        pane.get_by_label("User").select_option(label=user)
    if plan:
        expect(pane.get_by_label("Protection plan")).to_have_value("")  # "No plan" first
        pane.get_by_label("Protection plan").select_option(label=plan)
    pane.get_by_role("button", name="Generate token").click()
    value = page.locator("[data-token-value]").inner_text().strip()
    assert TOKEN.match(value)
    return value


def copy(page, value):
    page.get_by_role("button", name="Copy", exact=True).click()  # commands have their own
    expect(page.get_by_text("Copied to clipboard")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == value


def test_user_generates_a_token_and_registers_a_machine(login, portal):
    page = login("globex-alice")
    pane = open_add_devices(page)
    value = generate(page, pane)
    copy(page, value)
    assert register(portal, value, "alice-browser-laptop")[0] == 201
    page.get_by_role("button", name="Close").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("cell", name="alice-browser-laptop")).to_be_visible()


def test_company_admin_generates_for_another_user_with_a_plan(login, portal):
    page = login("globex-admin")
    pane = open_add_devices(page)
    value = generate(page, pane, user="globex-bob", plan="Weekly full image")
    copy(page, value)
    expect(pane.get_by_text("Weekly full image")).to_be_visible()
    status, body = register(portal, value, "bob-browser-desktop")
    assert status == 201 and body["owner"]["username"] == "globex-bob"
    assert body["plan_available"]["name"] == "Weekly full image"
    page.get_by_role("button", name="Close").click()
    row = page.get_by_role("row").filter(has_text="bob-browser-desktop")
    expect(row).to_contain_text("globex-bob")
    bob = login("globex-bob")
    expect(bob.get_by_role("cell", name="bob-browser-desktop")).to_be_visible()


def test_partner_admin_is_refused_at_all_customers_then_selects_a_customer(login, portal):
    page = login("msp-admin")
    expect(page.get_by_role("navigation").get_by_text("All customers").first).to_be_visible()
    pane = open_add_devices(page)
    expect(pane.get_by_text(ALL_CUSTOMERS)).to_be_visible()
    expect(pane.get_by_role("button", name="Generate", exact=True)).to_be_disabled()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)

    page.get_by_role("navigation").locator("summary").click()
    page.get_by_role("treeitem", name="Initech").click()
    expect(page.get_by_role("navigation").locator("summary")).to_contain_text("Initech")
    pane = open_add_devices(page)
    value = generate(page, pane, user="initech-carol")
    status, body = register(portal, value, "carol-browser-server")
    assert status == 201 and body["tenant"]["name"] == "Initech"


def test_manage_service_opens_the_console_from_the_management_portal(login):
    page = login("msp-admin")
    page.get_by_role("link", name="Management portal").click()
    page.get_by_role("navigation").get_by_role("link", name="Usage").click()
    page.get_by_role("tab", name="Protection").click()
    page.get_by_role("button", name="Manage service").click()
    expect(page).to_have_url(re.compile(r"/console/demo-msp/devices/\??$"))
    expect(page.get_by_role("heading", name="All devices")).to_be_visible()


def test_manage_active_tokens_shows_two_characters_and_deletes(login, portal):
    page = login("globex-admin")
    pane = open_add_devices(page)
    value = generate(page, pane, user="globex-alice")
    page.get_by_role("button", name="Close").click()
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_role("button", name="Manage active tokens").click()
    tokens = page.get_by_role("dialog", name="Active tokens")
    expect(tokens).to_be_visible()
    masked = value[:2] + "••"
    rows = tokens.get_by_role("row").filter(has_text=masked)
    expect(rows.first).to_be_visible()
    before = rows.count()  # another token may share the two characters
    expect(tokens).not_to_contain_text(value[2:7])
    rows.first.get_by_role("checkbox").check()
    tokens.get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("Delete 1 token?")
    confirm.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("1 token was deleted.")).to_be_visible()
    remaining = page.get_by_role("dialog", name="Active tokens").get_by_role("row")
    expect(remaining.filter(has_text=masked)).to_have_count(before - 1)
    assert register(portal, value, "never-registered")[0] == 401


def test_usage_charts_machines_registered_and_failed_token_uses_with_a_table(login, portal):
    page = login("globex-admin")
    pane = open_add_devices(page)
    value = generate(page, pane, user="globex-bob")
    status, _ = register(portal, value, "bob-usage-chart")
    assert status == 201
    page.get_by_role("button", name="Close").click()
    page.get_by_role("link", name="Management portal").click()
    page.get_by_role("navigation").get_by_role("link", name="Usage").click()
    label = "Machines registered and failed token uses, last 30 days"
    expect(page.get_by_role("heading", name=label)).to_be_visible()
    expect(page.get_by_role("img", name=label)).to_be_visible()
    table = page.get_by_role("table", name=label)
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader", name="Machines registered")).to_be_visible()
    expect(table.get_by_role("columnheader", name="Failed token uses")).to_be_visible()
    today = table.get_by_role("row").nth(1)  # newest day first
    cells = today.get_by_role("cell")
    assert int(cells.nth(0).inner_text()) >= 1
    expect(page.get_by_text(re.compile(r"Machines registered: [1-9]"))).to_be_visible()
