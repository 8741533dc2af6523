"""Management portal > Customers on the tenant tree (issue 23): new sub-partners, folders,
customers and units under the current level, and moves within the tree (pick, confirm,
redirect), all through `tenants.tree`. The demo tree is described in test_tree.py."""

import pytest
from django.urls import reverse

from tenants.models import AuditEvent, Tenant

pytestmark = pytest.mark.django_db


def url(name, slug, **kwargs):
    return reverse(name, kwargs={"tenant_id": slug, **kwargs})


def move_url(level, moved):
    return url("tenant-move", level, child_id=moved)


@pytest.mark.parametrize(
    "username,level,kind",
    [
        ("distributor-admin", "demo-distributor", "partner"),
        ("distributor-admin", "demo-distributor", "folder"),
        ("distributor-admin", "direct-customers", "customer"),
        ("northwind-admin", "northwind", "folder"),
        ("contoso-admin", "contoso", "unit"),
        ("contoso-sales-admin", "contoso-sales", "unit"),
    ],
)
def test_each_kind_is_created_under_the_current_level(login, tenants, username, level, kind):
    client = login(username)
    response = client.post(url("child-create", level), {"kind": kind, "name": "New Level"})
    assert response.status_code == 302
    assert response["Location"] == url("customers", level)
    child = Tenant.objects.get(name="New Level")
    assert (child.kind, child.parent) == (kind, tenants[level])
    assert child.lineage == [*tenants[level].lineage, child.pk]
    event = AuditEvent.objects.get(action="tenant.create", tenant=child)
    assert event.source == "ui" and event.details["kind"] == kind
    assert "was created" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    "username,level,kind",
    [
        ("distributor-admin", "northwind", "unit"),  # units only inside customers
        ("distributor-admin", "contoso", "customer"),  # nothing but units inside customers
        ("distributor-admin", "contoso", "folder"),
        ("contoso-admin", "contoso", "partner"),
    ],
)
def test_a_kind_that_cannot_stand_there_is_refused(login, username, level, kind):
    response = login(username).post(url("child-create", level), {"kind": kind, "name": "Stray"})
    assert response.status_code == 200
    assert "kind" in response.context["form"].errors
    assert not Tenant.objects.filter(name="Stray").exists()


def test_the_form_offers_the_kinds_of_the_level(login):
    client = login("distributor-admin")
    offered = client.get(url("child-create", "northwind")).context["form"].fields["kind"]
    assert [k for k, _ in offered.choices] == ["partner", "folder", "customer"]
    offered = client.get(url("child-create", "contoso")).context["form"].fields["kind"]
    assert [k for k, _ in offered.choices] == ["unit"]


def test_a_sibling_with_the_same_name_is_refused(login):
    response = login("distributor-admin").post(
        url("child-create", "northwind"), {"kind": "customer", "name": "fabrikam"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "This level already has a tenant with that name."
    ]


@pytest.mark.parametrize(
    "username,level,status",
    [
        ("contoso-admin", "contoso", 200),
        ("contoso-frank", "contoso", 403),  # a plain user: no management portal
        ("contoso-sales-admin", "contoso", 404),  # above their unit
        ("northwind-admin", "southridge", 404),  # another reseller
        ("contoso-admin", "northwind", 404),
    ],
)
def test_only_administrators_of_the_level_create(login, username, level, status):
    client = login(username)
    assert client.get(url("child-create", level)).status_code == status
    response = client.post(url("child-create", level), {"kind": "unit", "name": "Stray"})
    assert response.status_code == (302 if status == 200 else status)
    assert Tenant.objects.filter(name="Stray").exists() == (status == 200)


def test_a_read_only_administrator_gets_no_form(client, users, tenants):
    from tenants.audit import CLI
    from tenants.services import user_create

    auditor = user_create(
        actor=users["contoso-admin"],
        tenant=tenants["contoso"],
        username="contoso-ro",
        password="a-long-password",
        role="readonly_admin",
        origin=CLI,
    )
    client.force_login(auditor)
    assert client.get(url("child-create", "contoso")).status_code == 403
    assert "New unit" not in client.get(url("customers", "contoso")).content.decode()


def test_the_list_shows_each_rows_kind_and_parent(login):
    response = login("distributor-admin").get(url("customers", "demo-distributor"))
    rows = {t.name: t for t in response.context["customers"]}
    assert "Demo Distributor" not in rows  # the page's own level is "All customers"
    assert rows["Contoso Sales"].parent.name == "Contoso"
    assert rows["Direct customers"].kind == "folder"
    html = response.content.decode()
    for text in ("Folder", "Unit", "Northwind Resellers", "New sub-partner", "New folder"):
        assert text in html
    assert move_url("demo-distributor", "litware") in html


def test_a_company_administrator_lists_and_creates_units(login):
    client = login("contoso-admin")
    html = client.get(url("customers", "contoso")).content.decode()
    assert "New unit" in html and "Contoso Labs" in html
    assert url("customers", "contoso") in client.get(url("users", "contoso")).content.decode()
    assert "New sub-partner" not in html and "New customer" not in html


def test_a_customer_moves_to_another_reseller_after_confirmation(login, tenants):
    client = login("distributor-admin")
    form = client.get(move_url("demo-distributor", "litware")).context["form"]
    offered = {slug for slug, _ in form.fields["to"].choices}
    assert offered == {"demo-distributor", "northwind", "southridge"}  # not its own folder
    confirm = client.post(move_url("demo-distributor", "litware"), {"to": "southridge"})
    assert confirm.status_code == 200 and confirm.context["confirming"]
    assert "Move Litware to Southridge Resellers?" in confirm.content.decode()
    assert Tenant.objects.get(slug="litware").parent == tenants["direct-customers"]
    done = client.post(
        move_url("demo-distributor", "litware"), {"to": "southridge", "confirm": "yes"}
    )
    assert done.status_code == 302 and done["Location"] == url("customers", "demo-distributor")
    litware = Tenant.objects.get(slug="litware")
    assert litware.parent == tenants["southridge"]
    assert litware.lineage == [*tenants["southridge"].lineage, litware.pk]
    event = AuditEvent.objects.get(action="tenant.move")
    assert event.source == "ui" and event.tenant == litware
    assert event.details == {"from": "Direct customers", "to": "Southridge Resellers", "tenants": 1}
    assert "was moved to" in client.get(done["Location"]).content.decode()


def test_moving_a_reseller_confirms_how_many_move_with_it(login):
    client = login("distributor-admin")
    confirm = client.post(move_url("demo-distributor", "northwind"), {"to": "direct-customers"})
    assert "and 4 tenants below it" in confirm.content.decode()


@pytest.mark.parametrize(
    "moved,to",
    [
        ("northwind", "contoso"),  # below itself
        ("northwind", "northwind"),
        ("contoso", "tailspin"),  # a customer holds no customers
        ("contoso", "demo-msp"),  # another tree
        ("contoso-sales", "northwind"),  # a unit stays inside a customer
    ],
)
def test_destinations_that_would_break_the_tree_are_not_offered(login, tenants, moved, to):
    client = login("distributor-admin")
    response = client.post(move_url("demo-distributor", moved), {"to": to, "confirm": "yes"})
    assert response.status_code == 200 and "to" in response.context["form"].errors
    assert Tenant.objects.get(slug=moved).parent == tenants[moved].parent
    assert not AuditEvent.objects.filter(action="tenant.move").exists()


def test_a_unit_administrator_is_not_offered_to_move_their_own_unit(login):
    response = login("contoso-sales-admin").get(url("customers", "contoso-sales"))
    assert response.context["movable"] == set()


def test_units_move_between_units_of_their_customer(login, tenants):
    client = login("contoso-admin")
    form = client.get(move_url("contoso", "contoso-labs")).context["form"]
    assert {slug for slug, _ in form.fields["to"].choices} == {"contoso-sales"}
    client.post(move_url("contoso", "contoso-labs"), {"to": "contoso-sales", "confirm": "yes"})
    assert Tenant.objects.get(slug="contoso-labs").parent == tenants["contoso-sales"]


@pytest.mark.parametrize(
    "username,level,moved,status",
    [
        ("northwind-admin", "northwind", "tailspin", 404),  # another reseller's customer
        ("northwind-admin", "southridge", "tailspin", 404),
        ("distributor-admin", "northwind", "tailspin", 404),  # not below the page's level
        ("northwind-admin", "northwind", "northwind", 403),  # its parent is not theirs
        ("contoso-admin", "contoso", "contoso", 403),  # customers are the partner's to move
        ("contoso-frank", "contoso", "contoso-sales", 403),
    ],
)
def test_moves_outside_the_scope_answer_404_or_403(login, username, level, moved, status):
    client = login(username)
    assert client.get(move_url(level, moved)).status_code == status
    assert client.post(move_url(level, moved), {"to": "contoso", "confirm": "yes"}).status_code in (
        status,
        200,
    )
    assert not AuditEvent.objects.filter(action="tenant.move").exists()


def test_a_reseller_cannot_move_its_customer_out_of_its_subtree(login, tenants):
    client = login("northwind-admin")
    form = client.get(move_url("northwind", "fabrikam")).context["form"]
    assert {slug for slug, _ in form.fields["to"].choices} == set()  # only northwind: its parent
    response = client.post(
        move_url("northwind", "fabrikam"), {"to": "southridge", "confirm": "yes"}
    )
    assert response.status_code == 200
    assert Tenant.objects.get(slug="fabrikam").parent == tenants["northwind"]
