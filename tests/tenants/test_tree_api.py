"""REST API on the tenant tree (issue 23): tenants carry their kind and parent, new levels
under a parent (`POST /api/v1/tenants`), moves (`POST /api/v1/tenants/{id}/move`). The demo
tree is described in test_tree.py."""

import pytest

from tenants.models import AuditEvent, Tenant
from tenants.tree import (
    MSG_KIND_NOT_HERE,
    MSG_MOVE_BELOW_ITSELF,
    MSG_MOVE_KIND,
    MSG_MOVE_OTHER_TREE,
    MSG_MOVE_TOP,
    MSG_NAME_TAKEN,
)
from tests.factories import error_body

pytestmark = pytest.mark.django_db

TENANTS = "/api/v1/tenants"


def move(client, slug, parent):
    return client.post(f"{TENANTS}/{slug}/move", {"parent_id": parent}, format="json")


def test_tenants_carry_kind_and_parent(api):
    listed = api("northwind-admin").get(TENANTS).json()["items"]
    by_id = {t["id"]: t for t in listed}
    assert set(by_id["contoso-sales"]) == {"id", "uuid", "name", "kind", "parent_id"}
    assert (by_id["contoso-sales"]["kind"], by_id["contoso-sales"]["parent_id"]) == (
        "unit",
        "contoso",
    )
    assert by_id["northwind"]["parent_id"] == "demo-distributor"
    assert by_id["fabrikam"]["kind"] == "customer"
    top = {t["id"]: t for t in api("distributor-admin").get(TENANTS).json()["items"]}
    assert top["demo-distributor"]["parent_id"] is None
    assert top["direct-customers"]["kind"] == "folder"


@pytest.mark.parametrize(
    "username,parent,kind",
    [
        ("distributor-admin", "demo-distributor", "partner"),
        ("distributor-admin", "direct-customers", "folder"),
        ("northwind-admin", "northwind", "customer"),
        ("contoso-admin", "contoso", "unit"),
        ("contoso-sales-admin", "contoso-sales", "unit"),
    ],
)
def test_a_child_of_each_kind_is_created(api, tenants, username, parent, kind):
    response = api(username).post(
        TENANTS, {"name": "From API", "kind": kind, "parent_id": parent}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    child = Tenant.objects.get(name="From API")
    assert body == {
        "id": child.slug,
        "uuid": str(child.uuid),
        "name": "From API",
        "kind": kind,
        "parent_id": parent,
    }
    assert child.parent == tenants[parent]
    event = AuditEvent.objects.get(action="tenant.create", tenant=child)
    assert event.source == "api"


@pytest.mark.parametrize(
    "username,body,status,message",
    [
        ("distributor-admin", {"kind": "unit", "parent_id": "northwind"}, 400, MSG_KIND_NOT_HERE),
        ("distributor-admin", {"kind": "folder", "parent_id": "contoso"}, 400, MSG_KIND_NOT_HERE),
        ("contoso-admin", {"kind": "customer", "parent_id": "contoso"}, 400, MSG_KIND_NOT_HERE),
        ("northwind-admin", {"kind": "customer", "parent_id": "southridge"}, 404, None),
        ("contoso-sales-admin", {"kind": "unit", "parent_id": "contoso"}, 404, None),
        ("contoso-frank", {"kind": "unit", "parent_id": "contoso"}, 403, None),
    ],
)
def test_children_that_cannot_be_made_are_refused(api, username, body, status, message):
    response = api(username).post(TENANTS, {"name": "Stray", **body}, format="json")
    assert response.status_code == status
    if message:
        assert error_body(response)["detail"] == message
    assert not Tenant.objects.filter(name="Stray").exists()


def test_a_taken_name_and_an_unknown_kind_are_400(api):
    client = api("northwind-admin")
    taken = client.post(
        TENANTS, {"name": "Fabrikam", "kind": "customer", "parent_id": "northwind"}, format="json"
    )
    assert taken.status_code == 400 and error_body(taken)["errors"] == {"name": [MSG_NAME_TAKEN]}
    odd = client.post(
        TENANTS, {"name": "X", "kind": "shop", "parent_id": "northwind"}, format="json"
    )
    assert odd.status_code == 400 and "kind" in error_body(odd)["errors"]


def test_a_move_answers_the_moved_tenant_and_is_audited(api, tenants):
    response = move(api("distributor-admin"), "litware", "northwind")
    assert response.status_code == 200
    litware = Tenant.objects.get(slug="litware")
    assert response.json() == {
        "id": "litware",
        "uuid": str(litware.uuid),
        "name": "Litware",
        "kind": "customer",
        "parent_id": "northwind",
    }
    assert litware.lineage == [*tenants["northwind"].lineage, litware.pk]
    event = AuditEvent.objects.get(action="tenant.move")
    assert event.source == "api"
    assert event.details == {"from": "Direct customers", "to": "Northwind Resellers", "tenants": 1}
    # The reseller's administrator sees it now, through the same list.
    seen = {t["id"] for t in api("northwind-admin").get(TENANTS).json()["items"]}
    assert "litware" in seen


@pytest.mark.parametrize(
    "username,slug,parent,message",
    [
        ("distributor-admin", "northwind", "contoso", MSG_MOVE_BELOW_ITSELF),
        ("distributor-admin", "contoso", "tailspin", MSG_MOVE_KIND),
        ("distributor-admin", "contoso-sales", "northwind", MSG_MOVE_KIND),
        ("distributor-admin", "demo-distributor", "northwind", MSG_MOVE_TOP),
        ("platform-admin", "litware", "demo-msp", MSG_MOVE_OTHER_TREE),
    ],
)
def test_moves_that_break_the_rules_are_400_with_the_services_message(
    api, tenants, username, slug, parent, message
):
    response = move(api(username), slug, parent)
    assert response.status_code == 400
    assert error_body(response)["detail"] == message
    assert Tenant.objects.get(slug=slug).parent == tenants[slug].parent
    assert not AuditEvent.objects.filter(action="tenant.move").exists()


@pytest.mark.parametrize(
    "username,slug,parent,status",
    [
        ("northwind-admin", "tailspin", "northwind", 404),  # another reseller's customer
        ("northwind-admin", "fabrikam", "southridge", 404),  # out of their subtree
        ("distributor-admin", "globex", "northwind", 404),  # another tree entirely
        ("northwind-admin", "northwind", "northwind", 400),  # their own level: the top rule
        ("contoso-admin", "contoso-labs", "contoso-sales", 200),
        ("contoso-sales-admin", "contoso-sales", "contoso-labs", 404),
        ("contoso-frank", "contoso", "direct-customers", 404),
    ],
)
def test_moves_outside_the_scope(api, tenants, username, slug, parent, status):
    response = move(api(username), slug, parent)
    assert response.status_code == status, response.json()
    moved = Tenant.objects.get(slug=slug)
    assert (moved.parent == tenants[parent]) == (status == 200)


def test_a_move_without_a_parent_is_400(api):
    response = api("distributor-admin").post(f"{TENANTS}/litware/move", {}, format="json")
    assert response.status_code == 400 and "parent_id" in error_body(response)["errors"]
