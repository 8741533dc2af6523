"""The console is usable by keyboard and screen reader, on a laptop and a narrow window."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.live.http import Session, post_json
from tests.live.server import PASSWORD

BLOCKING = {"serious", "critical"}
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 8).map(e => e.tagName + '.' + e.className)"""


def blocking_violations(page) -> list[str]:
    results = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results
        if v["impact"] in BLOCKING
    ]


SCREENS = [
    ("globex-alice", "/console/globex/devices/"),
    ("globex-alice", "/console/globex/devices/?pane=add"),
    ("globex-admin", "/console/globex/devices/?pane=add&step=generate"),
    ("globex-admin", "/console/globex/devices/?pane=tokens"),
    ("globex-auditor", "/console/globex/devices/?pane=add"),
    ("msp-admin", "/console/demo-msp/devices/"),
    ("msp-admin", "/console/demo-msp/devices/?pane=add"),
    ("globex-admin", "/console/globex/plans/"),
    ("globex-admin", "/console/globex/plans/new/"),
    ("msp-admin", "/manage/demo-msp/usage/"),
    ("msp-admin", "/manage/demo-msp/users/"),
    ("msp-admin", "/manage/demo-msp/audit/"),
    # Two-factor sign-in and sessions (issue 21)
    ("globex-alice", "/accounts/security/"),
    ("globex-alice", "/accounts/two-factor/enrol/"),
    ("globex-alice", "/accounts/two-factor/verify/"),
    ("msp-admin", "/manage/demo-msp/two-factor/"),
]


def test_login_page_has_no_serious_accessibility_violations(new_page):
    page = new_page()
    page.goto("/accounts/login/")
    assert blocking_violations(page) == []


@pytest.mark.parametrize("username,path", SCREENS)
def test_main_screens_have_no_serious_accessibility_violations(login, username, path):
    page = login(username)
    page.goto(path)
    assert blocking_violations(page) == []


def test_token_result_has_no_serious_accessibility_violations(login):
    page = login("globex-alice")
    page.goto("/console/globex/devices/?pane=add&step=generate")
    page.get_by_role("button", name="Generate token").click()
    expect(page.locator("[data-token-value]")).to_be_visible()
    assert blocking_violations(page) == []


def test_pane_takes_focus_escape_closes_it_and_focus_returns(login):
    page = login("globex-alice")
    add = page.get_by_role("button", name="Add", exact=True)
    add.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name="Add devices")).to_be_visible()
    assert page.evaluate("!!document.activeElement.closest('[role=dialog]')")
    # The page behind an open pane is inert: Tab stays in the pane.
    for _ in range(6):
        page.keyboard.press("Tab")
        assert page.evaluate("!!document.activeElement.closest('[role=dialog]')")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("button", name="Add", exact=True)).to_be_focused()


def test_tenant_selector_works_by_keyboard(login):
    page = login("msp-admin")
    summary = page.get_by_role("navigation").locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("treeitem", name="Globex")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("treeitem", name="Globex")).to_be_hidden()
    expect(summary).to_be_focused()


@pytest.mark.parametrize("width,height", [(1366, 768), (390, 844)])
def test_console_fits_laptop_and_narrow_windows(login, width, height):
    page = login("globex-admin", width=width, height=height)
    for path in ("/console/globex/devices/?pane=add&step=generate", "/console/globex/plans/"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        wide = page.evaluate(WIDEST)
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at {width}px: {wide}"
    page.goto("/console/globex/devices/?pane=add")
    pane = page.get_by_role("dialog", name="Add devices")
    page.wait_for_timeout(400)  # let the pane finish sliding in
    box = pane.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1
    expect(pane.get_by_role("button", name="Generate", exact=True)).to_be_visible()


def test_success_messages_and_sortable_tables(login, portal):
    admin = Session(portal.url).login("globex-admin", PASSWORD)
    status, created = admin.post_json("/api/v1/tenants/globex/registration_tokens", {})
    assert status == 201
    for name in ("sort-b", "sort-a", "sort-c"):
        body = {"token": created["token"], "hostname": name, "os": "Linux", "machine_id": name}
        assert post_json(portal.url, "/api/v1/agents/register", body)[0] == 201

    page = login("globex-admin")
    page.goto("/console/globex/plans/new/")
    page.get_by_label("Name").fill("Browser plan")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Protection plan “Browser plan” was created."
    )

    page.goto("/console/globex/devices/")

    def names():
        cells = page.get_by_role("row").locator("td:first-child").all_inner_texts()
        return [c for c in cells if c.startswith("sort-")]

    assert names() == ["sort-a", "sort-b", "sort-c"]
    page.get_by_role("columnheader").get_by_role("link", name="Name").click()
    expect(page).to_have_url(re.compile(r"sort=-name"))
    assert names() == ["sort-c", "sort-b", "sort-a"]
    # Relative time, with the exact time on hover.
    registered = page.get_by_role("row").filter(has_text="sort-a").locator("time").first
    expect(registered).to_have_text("just now")
    assert registered.get_attribute("title")
