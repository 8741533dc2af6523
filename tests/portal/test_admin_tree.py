"""The Django admin on the tenant tree (issue 23): kind and parent shown, new levels and
moves only through `tenants.tree` (no tenant that breaks the tree)."""

import pytest
from django.urls import reverse

from tenants.models import AuditEvent, Tenant

pytestmark = pytest.mark.django_db

ADD = "admin:tenants_tenant_add"


def select(client, slug):
    return client.post(reverse("admin:select_scope"), {"tenant": slug, "next": "/admin/"})


def change_url(tenant):
    return reverse("admin:tenants_tenant_change", args=[tenant.pk])


def test_the_list_shows_kind_and_parent(login):
    client = login("distributor-admin")
    select(client, "demo-distributor")
    html = client.get(reverse("admin:tenants_tenant_changelist")).content.decode()
    assert "Folder" in html and "Unit" in html and "Northwind Resellers" in html


@pytest.mark.parametrize(
    "username,level,parent,kind",
    [
        ("distributor-admin", "demo-distributor", "northwind", "partner"),
        ("distributor-admin", "demo-distributor", "direct-customers", "folder"),
        ("distributor-admin", "demo-distributor", "southridge", "customer"),
        ("distributor-admin", "demo-distributor", "contoso", "unit"),
        ("contoso-admin", "contoso", "contoso-labs", "unit"),
    ],
)
def test_a_child_of_each_kind_is_added_under_a_parent(
    login, tenants, username, level, parent, kind
):
    client = login(username)
    select(client, level)
    response = client.post(
        reverse(ADD), {"name": "Admin Level", "kind": kind, "parent": tenants[parent].pk}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    child = Tenant.objects.get(name="Admin Level")
    assert (child.kind, child.parent) == (kind, tenants[parent])
    assert AuditEvent.objects.get(action="tenant.create", tenant=child).source == "admin"


def test_without_kind_and_parent_a_customer_goes_under_the_selected_level(login, tenants):
    client = login("northwind-admin")
    select(client, "northwind")
    assert client.post(reverse(ADD), {"name": "Plain"}).status_code == 302
    plain = Tenant.objects.get(name="Plain")
    assert (plain.kind, plain.parent) == ("customer", tenants["northwind"])


@pytest.mark.parametrize(
    "username,level,parent,kind",
    [
        ("distributor-admin", "demo-distributor", "northwind", "unit"),
        ("distributor-admin", "demo-distributor", "contoso", "customer"),
        ("distributor-admin", "demo-distributor", "contoso-sales", "folder"),
        ("contoso-admin", "contoso", "contoso", "customer"),
    ],
)
def test_a_kind_that_cannot_stand_there_is_refused(login, tenants, username, level, parent, kind):
    client = login(username)
    select(client, level)
    response = client.post(
        reverse(ADD), {"name": "Stray", "kind": kind, "parent": tenants[parent].pk}
    )
    assert response.status_code == 200
    assert "A tenant of this kind cannot be created here." in response.content.decode()
    assert not Tenant.objects.filter(name="Stray").exists()


def test_a_parent_outside_the_scope_cannot_be_chosen(login, tenants):
    client = login("northwind-admin")
    select(client, "northwind")
    response = client.post(
        reverse(ADD), {"name": "Stray", "kind": "customer", "parent": tenants["southridge"].pk}
    )
    assert response.status_code == 200 and "parent" in response.context["adminform"].form.errors
    assert not Tenant.objects.filter(name="Stray").exists()


def test_a_change_of_parent_is_a_move(login, tenants):
    client = login("distributor-admin")
    select(client, "demo-distributor")
    litware = tenants["litware"]
    response = client.post(
        change_url(litware), {"name": "Litware", "parent": tenants["southridge"].pk}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    litware.refresh_from_db()
    assert litware.parent == tenants["southridge"]
    assert litware.lineage == [*tenants["southridge"].lineage, litware.pk]
    event = AuditEvent.objects.get(action="tenant.move")
    assert event.source == "admin" and event.details["to"] == "Southridge Resellers"
    assert not AuditEvent.objects.filter(action="tenant.rename").exists()


@pytest.mark.parametrize("to", ["contoso", "tailspin", "northwind"])
def test_a_move_that_breaks_the_tree_is_not_offered(login, tenants, to):
    client = login("distributor-admin")
    select(client, "demo-distributor")
    response = client.post(
        change_url(tenants["northwind"]), {"name": "Northwind Resellers", "parent": tenants[to].pk}
    )
    # Below itself, a customer, or itself: not among the choices.
    assert response.status_code == 200
    assert Tenant.objects.get(slug="northwind").parent == tenants["demo-distributor"]


def test_a_reseller_cannot_move_its_own_level(login, tenants):
    client = login("northwind-admin")
    select(client, "northwind")
    html = client.get(change_url(tenants["northwind"])).content.decode()
    assert 'name="parent"' not in html
    client.post(change_url(tenants["northwind"]), {"name": "Northwind Resellers"})
    assert Tenant.objects.get(slug="northwind").parent == tenants["demo-distributor"]


def test_a_company_administrator_adds_units_only_inside_their_customer(login, tenants):
    client = login("contoso-admin")
    select(client, "contoso")
    response = client.post(
        reverse(ADD), {"name": "Stray", "kind": "customer", "parent": tenants["northwind"].pk}
    )
    assert response.status_code == 200 and "parent" in response.context["adminform"].form.errors
    assert not Tenant.objects.filter(name="Stray").exists()
