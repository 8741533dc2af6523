"""The Add devices and Manage active tokens panes in a real browser: the traps of issue 11
that only a browser shows (CSS, layout at 1366 and 390 px, Copy, reload)."""

import itertools
import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_manual import ALL_CUSTOMERS, TOKEN, open_add_devices, register
from tests.live.http import Session
from tests.live.server import PASSWORD

LINES = r"""(dialog) => {
  const table = document.querySelector(dialog + ' table');
  return [...table.tBodies[0].rows].map(row => {
    const cells = [...row.cells].map(cell => {
      const style = getComputedStyle(cell);
      const range = document.createRange();
      range.selectNodeContents(cell);
      const lh = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
      // What shows: text a line clamp hides still has boxes, so no more than the cell's own
      // content height (a row that really grows a line grows every cell with it).
      const pad = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
      const box = cell.clientHeight - pad;
      return Math.round(Math.min(range.getBoundingClientRect().height, box) / lh);
    });
    return {height: row.getBoundingClientRect().height, lines: Math.max(...cells),
            text: row.innerText.replace(/\s+/g, ' ').slice(0, 160)};
  });
}"""
CELLS = """(dialog) => [...document.querySelectorAll(dialog + ' tbody td')].map(cell => {
  const box = cell.getBoundingClientRect();
  const label = getComputedStyle(cell, '::before').content;
  return {left: box.left, right: box.right, width: box.width, label: label,
          text: cell.innerText.trim(), checkbox: !!cell.querySelector('input')};
})"""
HEADERS = """(dialog) => [...document.querySelectorAll(dialog + ' thead th')].map(th => {
  const box = th.getBoundingClientRect();
  return {text: th.innerText.trim(), left: box.left, right: box.right};
})"""
DIALOG = "[role=dialog]"
_hosts = itertools.count(1)


def masked(value):
    """A row's token, as the list shows it (two characters, then dots)."""
    return re.compile(re.escape(value[:2]) + "••")


def api(portal, username):
    return Session(portal.url).login(username, PASSWORD)


def token_count(session) -> int:
    status, body = session.get("/api/v1/tenants/globex/registration_tokens?limit=1000")
    assert status == 200
    return len(json.loads(body)["items"])


def seed_tokens(portal, n=4):
    """Tokens of globex-admin's customer with a plan, one of them used."""
    admin = api(portal, "globex-admin")
    users = json.loads(admin.get("/api/v1/tenants/globex/users")[1])["items"]
    plans = json.loads(admin.get("/api/v1/tenants/globex/protection_plans")[1])["items"]
    bob = next(u["id"] for u in users if u["username"] == "globex-bob")
    plan = next(p["id"] for p in plans if p["name"] == "Weekly full image")
    values = []
    for _ in range(n):
        status, body = admin.post_json(
            "/api/v1/tenants/globex/registration_tokens", {"user_id": bob, "plan_id": plan}
        )
        assert status == 201
        values.append(body["token"])
    assert register(portal, values[0], f"pane-layout-host-{next(_hosts)}")[0] == 201
    return values


def open_generate(page, pane):
    pane.get_by_role("heading", name="Registration token").scroll_into_view_if_needed()
    pane.get_by_role("button", name="Generate", exact=True).click()
    expect(pane.get_by_label("Token lifetime")).to_have_value("259200")


def test_custom_lifetime_fields_show_only_when_custom_is_selected(login):
    page = login("globex-alice")
    pane = open_add_devices(page)
    open_generate(page, pane)
    custom = pane.get_by_role("spinbutton", name="Custom lifetime")
    expect(custom).to_be_hidden()
    pane.get_by_label("Token lifetime").select_option(label="Custom")
    expect(custom).to_be_visible()
    custom.fill("2")
    pane.get_by_label("Unit").select_option(label="hours")
    # Back to a preset: the fields go away and their leftovers are ignored.
    pane.get_by_label("Token lifetime").select_option(label="3 days")
    expect(custom).to_be_hidden()
    pane.get_by_role("button", name="Generate token").click()
    expect(page.locator("[data-token-value]")).to_be_visible()
    expect(pane.locator(".token-facts")).to_contain_text("in 3 days")


def test_an_invalid_custom_lifetime_is_shown_next_to_the_field(login):
    page = login("globex-alice")
    pane = open_add_devices(page)
    open_generate(page, pane)
    pane.get_by_label("Token lifetime").select_option(label="Custom")
    pane.get_by_role("spinbutton", name="Custom lifetime").fill("0")
    pane.get_by_role("button", name="Generate token").click()
    fields = pane.locator("fieldset")
    expect(fields).to_be_visible()
    expect(fields.locator(".field-error")).to_be_visible()  # next to the field
    expect(pane.get_by_role("alert")).to_be_focused()  # and in the summary at the top
    expect(page.locator("[data-token-value]")).to_have_count(0)


def test_reloading_after_generate_shows_no_value_and_makes_no_second_token(login, portal):
    alice = api(portal, "globex-alice")
    before = token_count(alice)
    page = login("globex-alice")
    pane = open_add_devices(page)
    open_generate(page, pane)
    pane.get_by_role("button", name="Generate token").click()
    value = page.locator("[data-token-value]").inner_text().strip()
    assert TOKEN.match(value)
    assert re.search(r"/console/globex/devices/\?pane=add", page.url)
    assert value not in page.url and value.replace("-", "") not in page.url
    page.reload()
    expect(page.get_by_role("dialog", name="Add devices")).to_be_visible()
    expect(page.locator("[data-token-value]")).to_have_count(0)
    expect(page.get_by_text("shown only once")).to_be_visible()
    assert value not in page.content()
    assert token_count(alice) == before + 1


@pytest.mark.parametrize("username,slug", [("globex-admin", "globex"), ("msp-admin", "demo-msp")])
def test_active_tokens_rows_take_at_most_two_lines_at_1366_px(login, portal, username, slug):
    values = seed_tokens(portal)
    page = login(username, width=1366, height=768)
    page.goto(f"/console/{slug}/devices/?pane=tokens")
    dialog = page.get_by_role("dialog", name="Active tokens")
    expect(dialog.locator("tbody tr").first).to_be_visible()
    page.wait_for_timeout(300)  # let the pane finish sliding in
    rows = page.evaluate(LINES, DIALOG)
    assert rows and all(r["lines"] <= 2 for r in rows), [r for r in rows if r["lines"] > 2]
    box = dialog.bounding_box()
    headers = page.evaluate(HEADERS, DIALOG)
    for header in headers:
        assert box["x"] - 1 <= header["left"] and header["right"] <= box["x"] + box["width"] + 1
    assert {"Token", "User", "Expires", "Last used"} <= {h["text"] for h in headers}
    scroll = page.evaluate(
        "(d) => { const s = document.querySelector(d + ' .table-scroll');"
        " return s.scrollWidth - s.clientWidth; }",
        DIALOG,
    )
    assert scroll <= 1, f"the table scrolls sideways by {scroll}px"
    expect(dialog.get_by_text(values[0][:2] + "••", exact=True).first).to_be_visible()
    print(f"\n{username} at 1366 px: row heights {[round(r['height']) for r in rows]}")


def test_active_tokens_are_usable_at_390_px(login, portal):
    values = seed_tokens(portal, n=2)
    page = login("globex-admin", width=390, height=844)
    page.goto("/console/globex/devices/?pane=tokens")
    dialog = page.get_by_role("dialog", name="Active tokens")
    expect(dialog.locator("tbody tr").first).to_be_visible()
    page.wait_for_timeout(300)
    cells = page.evaluate(CELLS, DIALOG)
    assert cells
    for cell in cells:
        assert cell["left"] >= 0 and cell["right"] <= 391, cell
    labelled = [c for c in cells if not c["checkbox"]]
    labels = {c["label"].strip('"') for c in labelled}
    assert {"Token", "User", "Expires", "Last used"} <= labels
    overflow = page.evaluate(
        "(d) => { const b = document.querySelector(d + ' .pane-body');"
        " return b.scrollWidth - b.clientWidth; }",
        DIALOG,
    )
    assert overflow <= 1
    row = dialog.locator("tbody tr").filter(has_text=masked(values[0])).first
    row.get_by_role("checkbox").check()
    dialog.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("Delete 1 token?")
    page.get_by_role("alertdialog").get_by_role("link", name="Cancel").click()
    dialog = page.get_by_role("dialog", name="Active tokens")
    expect(dialog.locator("tbody tr").first).to_be_visible()
    heights = [round(r["height"]) for r in page.evaluate(LINES, DIALOG)]
    print(f"\nglobex-admin at 390 px: row heights {heights}")


def test_delete_says_what_happened_inside_the_pane(login, portal):
    values = seed_tokens(portal, n=3)
    page = login("globex-admin", width=1366, height=768)
    page.goto("/console/globex/devices/?pane=tokens")
    dialog = page.get_by_role("dialog", name="Active tokens")
    dialog.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog", name="Active tokens")
    expect(dialog.get_by_text("Select one or more tokens to delete.")).to_be_in_viewport()
    for value in values[1:]:
        row = dialog.locator("tbody tr").filter(has_text=masked(value)).first
        row.get_by_role("checkbox").check()
    dialog.get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("Delete 2 tokens?")
    confirm.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog", name="Active tokens")
    expect(dialog.get_by_text("2 tokens were deleted.")).to_be_in_viewport()


def test_every_command_has_its_own_copy_button_and_wraps_only_between_arguments(login):
    page = login("globex-admin", width=390, height=844)
    pane = open_add_devices(page)
    open_generate(page, pane)
    pane.get_by_label("User").select_option(label="globex-bob")
    pane.get_by_label("Protection plan").select_option(label="Daily backup")
    pane.get_by_role("button", name="Generate token").click()
    value = page.locator("[data-token-value]").inner_text().strip()
    commands = pane.locator("pre.command")
    texts = []
    for i in range(commands.count()):
        command = commands.nth(i)
        command_id = command.get_attribute("id")
        button = pane.locator(f'[data-copy-target="{command_id}"]')
        expect(button).to_have_count(1)
        expect(button).to_have_text(re.compile(r"^Copy"))
        button.click()
        expect(pane.locator(f'[data-copy-status-for="{command_id}"]')).to_have_text(
            "Copied to clipboard"
        )
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == " ".join(command.inner_text().split())
        texts.append(copied)
        lines = command.locator(".arg").evaluate_all(
            "spans => spans.map(s => s.getClientRects().length)"
        )
        assert lines and set(lines) == {1}, f"an argument wraps inside: {command_id}"
        # A token longer than a line wraps inside its own box, never off the block (issue 20).
        assert command.evaluate("pre => pre.scrollWidth - pre.clientWidth") <= 1, command_id
    assert len(texts) >= 4  # register, save the token file, register with it, plan
    register_command = texts[0]
    assert register_command.startswith("python3 register_agent.py -o register -a http")
    assert register_command.endswith(f"--token {value}")
    assert any(t == f"python3 protection_plan.py --token {value}" for t in texts)


def test_all_customers_picker_switches_to_the_customer_and_opens_generate(login, portal):
    page = login("msp-admin")
    pane = open_add_devices(page)
    expect(pane.get_by_text(ALL_CUSTOMERS)).to_be_visible()
    pane.get_by_label("Customer", exact=True).select_option(label="Initech")
    pane.get_by_role("button", name="Select customer").click()
    expect(page).to_have_url(re.compile(r"/console/initech/devices/\?pane=add&step=generate"))
    expect(page.get_by_role("navigation").locator("summary")).to_contain_text("Initech")
    pane = page.get_by_role("dialog", name="Add devices")
    pane.get_by_label("User").select_option(label="initech-carol")
    pane.get_by_role("button", name="Generate token").click()
    value = page.locator("[data-token-value]").inner_text().strip()
    status, body = register(portal, value, "carol-picker-server")
    assert status == 201 and body["tenant"]["name"] == "Initech"


def test_read_only_administrator_sees_why_generate_is_absent(login):
    page = login("globex-auditor")
    pane = open_add_devices(page)
    expect(pane.get_by_text("As a read-only administrator")).to_be_visible()
    expect(pane.get_by_role("button", name="Generate", exact=True)).to_have_count(0)


SCREENS = [
    ("globex-admin", "/console/globex/devices/?pane=add&step=generate", "generate"),
    ("msp-admin", "/console/demo-msp/devices/?pane=add", "all-customers"),
    ("globex-admin", "/console/globex/devices/?pane=tokens", "active-tokens"),
]


@pytest.mark.parametrize("width,height", [(1366, 768), (390, 844)])
def test_pane_screens_fit_laptop_and_phone(login, portal, width, height):
    """Each pane fits the window (saved as pane-<screen>-<width>.png for the README)."""
    seed_tokens(portal, n=2)
    for username, path, name in SCREENS:
        page = login(username, width=width, height=height)
        page.goto(path)
        expect(page.get_by_role("dialog")).to_be_visible()
        page.wait_for_timeout(300)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at {width}px"
        body = page.evaluate(
            "() => { const b = document.querySelector('.pane-body');"
            " return b.scrollWidth - b.clientWidth; }"
        )
        assert body <= 1, f"{path}: the pane scrolls sideways by {body}px at {width}px"
        section = page.locator("#registration-token")
        if section.count():
            section.scroll_into_view_if_needed()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"pane-{name}-{width}.png", animations="disabled")
