"""A read-only administrator at a partner level (issue 23 gaps, item 6): a reseller's
administrator can give one of their accounts the role; it sees the reseller's whole subtree
(customers, units, their devices, plans, users, audit, usage), nothing beside or above it,
and can change nothing, in the console, the API or the services. The authorization matrix
walks it too (tests/tenants/matrix_roles.py, `northwind-reader`)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from rest_framework.test import APIClient

from tenants import services, tree
from tenants.audit import CLI
from tenants.models import Tenant, User
from tokens import services as token_services

pytestmark = pytest.mark.django_db

BELOW = ("northwind", "contoso", "contoso-sales", "contoso-labs", "fabrikam")
OUTSIDE = ("demo-distributor", "southridge", "tailspin", "direct-customers", "litware", "globex")
PAGES = ("devices", "plans", "users", "audit", "usage", "customers")


def url(name, slug, **kwargs):
    return reverse(name, kwargs={"tenant_id": slug, **kwargs})


@pytest.fixture
def reader(login, tenants):
    """Made by Northwind's administrator on the Users page, as the role is offered there."""
    client = login("northwind-admin")
    form = client.get(url("user-create", "northwind")).context["form"]
    assert "readonly_admin" in dict(form.fields["role"].choices)
    response = client.post(
        url("user-create", "northwind"),
        {
            "tenant": "northwind",
            "username": "northwind-reader",
            "password": "a-long-password",
            "role": "readonly_admin",
        },
    )
    assert response.status_code == 302, response.content
    user = User.objects.get(username="northwind-reader")
    assert (user.tenant, user.role) == (tenants["northwind"], User.Role.READONLY_ADMIN)
    return user


def test_only_partner_administrators_and_readers_stand_at_a_partner(tenants, users):
    for role in (User.Role.COMPANY_ADMIN, User.Role.UNIT_ADMIN, User.Role.USER):
        with pytest.raises(Exception, match="role"):
            services.user_create_check(
                actor=users["distributor-admin"],
                tenant=tenants["northwind"],
                username=f"x-{role}",
                role=role,
            )


def test_the_reader_sees_the_partners_subtree_and_nothing_else(client, reader):
    client.force_login(reader)
    for slug in BELOW:
        for page in PAGES:
            assert client.get(url(page, slug)).status_code == 200, (page, slug)
    for slug in OUTSIDE:
        assert client.get(url("devices", slug)).status_code == 404, slug
    listed = {r.tenant.slug for r in client.get(url("customers", "northwind")).context["rows"]}
    assert listed == {"contoso", "contoso-sales", "contoso-labs", "fabrikam"}
    api = APIClient()
    api.force_authenticate(reader)
    assert api.get("/api/v1/tenants/contoso-sales/users").status_code == 200
    assert api.get("/api/v1/tenants/tailspin/users").status_code == 404
    names = {u["username"] for u in api.get("/api/v1/tenants/northwind/users").json()["items"]}
    assert {"contoso-sales-grace", "fabrikam-admin"} <= names
    assert "tailspin-ivan" not in names


def test_the_reader_changes_nothing_from_the_console(client, reader):
    client.force_login(reader)
    for name, slug, kwargs in (
        ("customer-create", "northwind", {}),
        ("child-create", "northwind", {}),
        ("child-create", "contoso", {}),
        ("user-create", "northwind", {}),
        ("plan-create", "contoso", {}),
        ("api-client-create", "northwind", {}),
        ("tenant-move", "northwind", {"child_id": "fabrikam"}),
    ):
        assert client.get(url(name, slug, **kwargs)).status_code == 403, name
        assert client.post(url(name, slug, **kwargs), {"name": "X"}).status_code == 403, name
    html = client.get(url("customers", "northwind")).content.decode()
    for offer in ("New customer", "New sub-partner", "New folder", "/move/"):
        assert offer not in html, offer
    assert client.get(url("customers", "northwind")).context["movable"] == set()


def test_the_reader_changes_nothing_through_the_services_or_the_api(tenants, users, reader):
    with pytest.raises(PermissionDenied):
        tree.child_create(
            actor=reader, parent=tenants["northwind"], kind="folder", name="F", origin=CLI
        )
    with pytest.raises(PermissionDenied):
        tree.tenant_move(
            actor=reader,
            tenant=Tenant.objects.select_related("parent").get(slug="contoso-labs"),
            to=tenants["contoso-sales"],
            origin=CLI,
        )
    with pytest.raises(PermissionDenied):
        services.user_create(
            actor=reader,
            tenant=tenants["fabrikam"],
            username="by-the-reader",
            password="a-long-password",
            role=User.Role.USER,
            origin=CLI,
        )
    with pytest.raises(PermissionDenied):
        token_services.token_create(
            actor=reader,
            tenant=tenants["contoso-sales"],
            user_id=users["contoso-sales-grace"].pk,
            plan_id=None,
            lifetime=token_services.DEFAULT_LIFETIME,
            origin=CLI,
        )
    api = APIClient()
    api.force_authenticate(reader)
    created = api.post(
        "/api/v1/tenants",
        {"name": "By the reader", "kind": "folder", "parent_id": "northwind"},
        format="json",
    )
    assert created.status_code == 403, created.content
    moved = api.post(
        "/api/v1/tenants/contoso-labs/move", {"parent_id": "contoso-sales"}, format="json"
    )
    assert moved.status_code == 403, moved.content
    assert not Tenant.objects.filter(name="By the reader").exists()
    assert not User.objects.filter(username="by-the-reader").exists()
    assert Tenant.objects.get(slug="contoso-labs").parent == tenants["contoso"]
