"""The tenant selector's tree (issue 23) in Chromium, on the demo tree: a distributor's
administrator walks down to a reseller's customer's unit and generates a token there; a
unit administrator generates for their unit and reaches nothing above or beside it; a
reseller's administrator sees nothing of the other reseller. The tree is a WAI-ARIA tree
(tree, treeitem, group; each item's level, whether it is open and selected), one item in
the Tab order at a time, and usable by keyboard alone."""

import re

from playwright.sync_api import expect

from tests.browser.test_accessibility import blocking_violations
from tests.browser.test_manual import generate, open_add_devices, register


def selector(page):
    return page.get_by_role("navigation").locator("[data-tenant-selector]")


def item(page, name):
    """A level of the tree, as assistive technology finds it."""
    exactly = re.compile(rf"^{re.escape(name)}( All customers)?$")
    return selector(page).get_by_role("treeitem", name=exactly)


def toggle(page, slug):
    """A level's expand button (for the pointer: hidden from assistive technology, whose
    users open a level from its treeitem)."""
    return selector(page).locator(f'li[data-slug="{slug}"] > .tree-row [data-tree-toggle]')


def test_distributor_admin_walks_the_tree_to_a_unit_and_generates_there(login, portal):
    page = login("distributor-admin")
    tree = selector(page)
    expect(tree.locator("summary")).to_contain_text("All customers")
    tree.locator("summary").click()
    # Demo Distributor's level is open on its children; Northwind is closed until expanded.
    expect(item(page, "Southridge Resellers")).to_be_visible()
    expect(item(page, "Contoso")).to_have_count(0)
    northwind = item(page, "Northwind Resellers")
    expect(northwind).to_have_attribute("aria-expanded", "false")
    toggle(page, "northwind").click()
    expect(northwind).to_have_attribute("aria-expanded", "true")
    contoso = item(page, "Contoso")
    expect(contoso).to_be_visible()
    # Collapse and expand again (the loaded level is kept), then the keyboard: Right opens
    # Contoso, Down moves to its first unit (by name: Contoso Labs, then Contoso Sales).
    toggle(page, "northwind").click()
    expect(contoso).to_be_hidden()
    expect(northwind).to_have_attribute("aria-expanded", "false")
    toggle(page, "northwind").click()
    contoso.focus()
    page.keyboard.press("ArrowRight")
    expect(contoso).to_have_attribute("aria-expanded", "true")
    expect(item(page, "Contoso Sales")).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(item(page, "Contoso Labs")).to_be_focused()
    page.keyboard.press("ArrowDown")
    sales = item(page, "Contoso Sales")
    expect(sales).to_be_focused()
    outline = sales.evaluate("a => getComputedStyle(a).outlineStyle")
    assert outline not in ("none", "")  # the focus is visible
    page.keyboard.press("ArrowLeft")  # a unit without units: to its parent
    expect(contoso).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/contoso-sales/devices/")
    expect(tree.locator("summary")).to_contain_text("Contoso Sales")
    path = page.get_by_role("list", name="Path of the current level")
    expect(path).to_have_text(
        "Demo Distributor / Northwind Resellers / Contoso / Contoso Sales", use_inner_text=True
    )

    pane = open_add_devices(page)
    value = generate(page, pane, user="contoso-sales-grace")
    status, body = register(portal, value, "grace-tree-laptop")
    assert status == 201 and body["owner"]["username"] == "contoso-sales-grace"
    page.get_by_role("button", name="Close").click()
    # At Contoso (a customer with units) the device list says where the machine lives.
    path.get_by_role("link", name="Contoso", exact=True).click()
    row = page.get_by_role("row").filter(has_text="grace-tree-laptop")
    expect(row.get_by_role("cell", name="Contoso Sales")).to_be_visible()


def test_tree_search_shows_each_match_with_its_path(login):
    page = login("distributor-admin")
    tree = selector(page)
    tree.locator("summary").click()
    tree.get_by_role("searchbox").fill("sales")
    tree.get_by_role("button", name="Search").click()
    match = selector(page).get_by_role("link", name="Contoso Sales")  # a list, not a tree
    expect(match).to_contain_text("Northwind Resellers / Contoso")
    match.click()
    page.wait_for_url("**/console/contoso-sales/**")


def test_unit_admin_generates_in_their_unit_and_reaches_nothing_else(login, portal):
    page = login("contoso-sales-admin")
    expect(page).to_have_url(f"{portal.url}/console/contoso-sales/devices/")
    nav = page.get_by_role("navigation")
    expect(nav.get_by_text("Contoso Sales")).to_be_visible()
    expect(nav.locator("summary")).to_have_count(0)  # nothing to select
    expect(nav.get_by_role("link", name="Contoso Labs")).to_have_count(0)
    expect(nav.get_by_role("link", name="Contoso", exact=True)).to_have_count(0)

    pane = open_add_devices(page)
    pane.get_by_role("button", name="Generate", exact=True).click()
    options = pane.get_by_label("User").locator("option").all_inner_texts()
    assert "contoso-sales-grace" in options
    assert not [o for o in options if "contoso-frank" in o or "contoso-labs" in o]
    page.keyboard.press("Escape")
    pane = open_add_devices(page)
    value = generate(page, pane, user="contoso-sales-grace")
    status, body = register(portal, value, "grace-unit-desktop")
    assert status == 201 and body["owner"]["username"] == "contoso-sales-grace"

    for slug in ("contoso", "contoso-labs", "northwind"):
        response = page.goto(f"/console/{slug}/devices/")
        assert response.status == 404, slug
        response = page.goto(f"/manage/{slug}/selector/?section=devices")
        assert response.status == 404, slug


def test_reseller_admin_sees_nothing_of_another_reseller(login):
    page = login("northwind-admin")
    tree = selector(page)
    tree.locator("summary").click()
    expect(item(page, "Contoso")).to_be_visible()
    expect(item(page, "Fabrikam")).to_be_visible()
    tree.get_by_role("searchbox").fill("i")  # Tailspin, Litware, Southridge would match
    tree.get_by_role("button", name="Search").click()
    listed = selector(page).locator("[data-tree]").inner_text()
    for other in ("Southridge", "Tailspin", "Litware", "Demo Distributor", "Direct customers"):
        assert other not in listed, other
    for url in (
        "/console/northwind/devices/",
        "/console/northwind/plans/",
        "/manage/northwind/audit/",
    ):
        page.goto(url)
        text = page.get_by_role("main").inner_text()
        assert "Southridge" not in text and "Tailspin" not in text, url
    for slug in ("southridge", "tailspin", "demo-distributor", "direct-customers"):
        assert page.goto(f"/console/{slug}/devices/").status == 404, slug
        assert page.goto(f"/manage/{slug}/selector/?section=devices").status == 404, slug


def test_the_tree_has_its_roles_levels_and_one_tab_stop(login):
    page = login("distributor-admin")
    nav = selector(page)
    nav.locator("summary").click()
    tree = nav.get_by_role("tree", name="Tenants")
    expect(tree).to_be_visible()
    top = item(page, "Demo Distributor")
    for name, value in (("aria-level", "1"), ("aria-expanded", "true"), ("aria-selected", "true")):
        expect(top).to_have_attribute(name, value)
    expect(top).to_have_attribute("aria-current", "page")
    children = tree.get_by_role("group").first.get_by_role("treeitem")
    expect(children).to_have_count(3)  # Direct customers, Northwind, Southridge
    for child in children.all():
        expect(child).to_have_attribute("aria-level", "2")
        expect(child).to_have_attribute("aria-selected", "false")
        expect(child).to_have_attribute("aria-expanded", "false")  # each has levels below
    # The expand buttons are the pointer's: no button inside the tree for a screen reader.
    expect(tree.get_by_role("button")).to_have_count(0)
    # One treeitem in the Tab order: the current level; Tab from the search enters the tree
    # there, and the next Tab leaves it.
    tabbable = tree.locator("[role=treeitem][tabindex='0']")
    expect(tabbable).to_have_count(1)
    expect(tabbable).to_have_attribute("aria-current", "page")
    nav.get_by_role("button", name="Search").focus()
    page.keyboard.press("Tab")
    expect(top).to_be_focused()
    page.keyboard.press("ArrowDown")
    direct = item(page, "Direct customers")
    expect(direct).to_be_focused()
    expect(direct).to_have_attribute("tabindex", "0")
    expect(top).to_have_attribute("tabindex", "-1")
    # Right opens a level: its children, loaded, are treeitems one level down in a group,
    # out of the Tab order; Left closes it again.
    page.keyboard.press("ArrowRight")
    expect(direct).to_have_attribute("aria-expanded", "true")
    litware = item(page, "Litware")
    expect(litware).to_have_attribute("aria-level", "3")
    expect(litware).to_have_attribute("tabindex", "-1")
    expect(litware.locator("xpath=ancestor::ul[1]")).to_have_attribute("role", "group")
    page.keyboard.press("End")
    expect(item(page, "Southridge Resellers")).to_be_focused()
    page.keyboard.press("Home")
    expect(top).to_be_focused()
    assert blocking_violations(page) == []
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowLeft")
    expect(direct).to_have_attribute("aria-expanded", "false")
    expect(litware).to_be_hidden()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('role')") != "treeitem"
