"""The tenant selector's tree (issue 23) in Chromium, on the demo tree: a distributor's
administrator walks down to a reseller's customer's unit and generates a token there; a
unit administrator generates for their unit and reaches nothing above or beside it; a
reseller's administrator sees nothing of the other reseller."""

from playwright.sync_api import expect

from tests.browser.test_manual import generate, open_add_devices, register


def selector(page):
    return page.get_by_role("navigation").locator("[data-tenant-selector]")


def toggle(page, name):
    return selector(page).get_by_role("button", name=f"Levels under {name}", exact=True)


def test_distributor_admin_walks_the_tree_to_a_unit_and_generates_there(login, portal):
    page = login("distributor-admin")
    tree = selector(page)
    expect(tree.locator("summary")).to_contain_text("All customers")
    tree.locator("summary").click()
    # Demo Distributor's level is open on its children; Northwind is closed until expanded.
    expect(tree.get_by_role("link", name="Southridge Resellers")).to_be_visible()
    expect(tree.get_by_role("link", name="Contoso", exact=True)).to_have_count(0)
    expect(toggle(page, "Northwind Resellers")).to_have_attribute("aria-expanded", "false")
    toggle(page, "Northwind Resellers").click()
    expect(toggle(page, "Northwind Resellers")).to_have_attribute("aria-expanded", "true")
    contoso = tree.get_by_role("link", name="Contoso", exact=True)
    expect(contoso).to_be_visible()
    # Collapse and expand again (the loaded level is kept), then the keyboard: Right opens
    # Contoso, Down moves to its first unit (by name: Contoso Labs, then Contoso Sales).
    toggle(page, "Northwind Resellers").click()
    expect(contoso).to_be_hidden()
    toggle(page, "Northwind Resellers").click()
    contoso.focus()
    page.keyboard.press("ArrowRight")
    expect(toggle(page, "Contoso")).to_have_attribute("aria-expanded", "true")
    expect(tree.get_by_role("link", name="Contoso Sales")).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(tree.get_by_role("link", name="Contoso Labs")).to_be_focused()
    page.keyboard.press("ArrowDown")
    sales = tree.get_by_role("link", name="Contoso Sales")
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
    match = selector(page).get_by_role("link", name="Contoso Sales")
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
    expect(tree.get_by_role("link", name="Contoso", exact=True)).to_be_visible()
    expect(tree.get_by_role("link", name="Fabrikam")).to_be_visible()
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
