"""Issue 11's token features in the console, by their visible labels."""

import re

from playwright.sync_api import expect

from tests.browser.test_manual import TOKEN, open_add_devices, register


def start_generate(pane):
    pane.get_by_role("heading", name="Registration token").scroll_into_view_if_needed()
    pane.get_by_role("button", name="Generate", exact=True).click()


def open_manage(page, description):
    page.get_by_role("button", name="Close").click()
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_role("button", name="Manage active tokens").click()
    tokens = page.get_by_role("dialog", name="Active tokens")
    row = tokens.get_by_role("row").filter(has_text=description)
    return tokens, row


def test_admin_limits_a_described_token_and_deletes_it_with_its_machines(login, portal):
    page = login("globex-admin")
    pane = open_add_devices(page)
    start_generate(pane)
    pane.get_by_label("User").select_option(label="globex-bob")
    pane.get_by_label("Description").fill("Globex HQ rollout")
    expect(pane.get_by_label("Reusable", exact=True)).to_be_checked()
    pane.get_by_label("Up to N machines", exact=True).check()
    pane.get_by_label("Number of machines").fill("5")
    pane.get_by_role("button", name="Generate token").click()
    value = page.locator("[data-token-value]").inner_text().strip()
    assert TOKEN.match(value)
    for n in range(3):
        assert register(portal, value, f"hq-browser-{n}")[0] == 201
    tokens, row = open_manage(page, "Globex HQ rollout")
    expect(row).to_contain_text("3 of 5 machines")
    expect(row).to_contain_text("3 registrations")
    row.get_by_role("link", name=re.compile("^Manage token")).click()
    panel = page.get_by_role("dialog", name="Active tokens")
    panel.get_by_role("button", name="Delete and unregister its machines").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("Delete this token and unregister its 3 machines?")
    confirm.get_by_role("button", name="Delete and unregister 3 machines").click()
    expect(
        page.get_by_text("The token was deleted and 3 machines were unregistered.")
    ).to_be_visible()
    expect(page.get_by_role("cell", name="hq-browser-0")).to_have_count(0)
    assert register(portal, value, "hq-browser-9")[0] == 401


def test_user_makes_a_one_machine_token_then_describes_extends_and_reissues_it(login, portal):
    page = login("globex-alice")
    pane = open_add_devices(page)
    start_generate(pane)
    pane.get_by_label("One machine", exact=True).check()
    pane.get_by_label("Description").fill("Alice's laptop")
    pane.get_by_role("button", name="Generate token").click()
    old = page.locator("[data-token-value]").inner_text().strip()
    _, row = open_manage(page, "Alice's laptop")
    expect(row).to_contain_text("0 of 1 machine")
    row.get_by_role("link", name=re.compile("^Manage token")).click()
    panel = page.get_by_role("dialog", name="Active tokens")
    panel.get_by_label("Description").fill("Alice's new laptop")
    panel.get_by_role("button", name="Save description").click()
    expect(page.get_by_text("The description was saved.")).to_be_visible()
    panel = page.get_by_role("dialog", name="Active tokens")
    panel.get_by_label("New lifetime from now").select_option(label="1 week")
    panel.get_by_role("button", name="Extend").click()
    expect(page.get_by_text("The token was extended: it now expires on")).to_be_visible()
    page.get_by_role("dialog", name="Active tokens").get_by_role("button", name="Reissue").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Reissue now").click()
    new = page.locator("[data-token-value]").inner_text().strip()
    assert TOKEN.match(new) and new != old
    assert register(portal, old, "alice-reissue")[0] == 401
    assert register(portal, new, "alice-reissue")[0] == 201
