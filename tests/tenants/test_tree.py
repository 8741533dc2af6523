"""The tenant tree (issue 23): paths, scopes at every depth, creating and moving levels.

The demo tree: Demo Distributor > Northwind Resellers > Contoso > Contoso Sales / Contoso Labs,
Northwind > Fabrikam, Demo Distributor > Southridge Resellers > Tailspin, and the folder
Direct customers > Litware.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tenants import tree
from tenants.audit import CLI
from tenants.models import AuditEvent, Tenant
from tenants.selectors import (
    at_level,
    customers_at,
    in_scope,
    level_of,
    tenant_for,
    tenants_visible_to,
    users_at,
)
from tokens.services import token_create

pytestmark = pytest.mark.django_db


def slugs(tenants) -> set[str]:
    return {t.slug for t in tenants}


def test_paths_run_from_the_top_of_the_tree(tenants):
    sales = tenants["contoso-sales"]
    path = [tenants[s].pk for s in ("demo-distributor", "northwind", "contoso", "contoso-sales")]
    assert sales.lineage == path
    assert sales.family == tenants["demo-distributor"].pk
    assert tenants["contoso"].has_children and not tenants["fabrikam"].has_children


@pytest.mark.parametrize(
    "username,expected",
    [
        (
            "distributor-admin",
            {
                "demo-distributor",
                "northwind",
                "contoso",
                "contoso-sales",
                "contoso-labs",
                "fabrikam",
                "southridge",
                "tailspin",
                "direct-customers",
                "litware",
            },
        ),
        ("northwind-admin", {"northwind", "contoso", "contoso-sales", "contoso-labs", "fabrikam"}),
        ("southridge-admin", {"southridge", "tailspin"}),
        ("contoso-admin", {"contoso", "contoso-sales", "contoso-labs"}),
        ("contoso-sales-admin", {"contoso-sales"}),
        ("contoso-sales-grace", {"contoso-sales"}),
        ("contoso-frank", {"contoso"}),
    ],
)
def test_each_role_sees_its_subtree_and_nothing_else(users, username, expected):
    actor = users[username]
    assert slugs(tenants_visible_to(actor)) == expected
    for tenant in Tenant.objects.all():
        assert in_scope(actor, tenant) == (tenant.slug in expected), tenant.slug
        if tenant.slug in expected:
            assert tenant_for(actor=actor, tenant_id=tenant.slug) == tenant
        else:
            with pytest.raises(Http404):
                tenant_for(actor=actor, tenant_id=tenant.slug)


def test_lists_at_a_level_cover_its_subtree(tenants, users):
    contoso = tenants["contoso"]
    assert slugs(Tenant.objects.filter(at_level(contoso, "pk"))) == {
        "contoso",
        "contoso-sales",
        "contoso-labs",
    }
    northwind_users = {
        u.username for u in users_at(actor=users["northwind-admin"], tenant=tenants["northwind"])
    }
    assert "contoso-sales-grace" in northwind_users
    assert "tailspin-ivan" not in northwind_users
    assert slugs(customers_at(tenants["northwind"])) == {
        "contoso",
        "contoso-sales",
        "contoso-labs",
        "fabrikam",
    }


def test_an_administrator_generates_for_a_user_of_a_unit_below(tenants, users):
    issued = token_create(
        actor=users["contoso-admin"],
        tenant=tenants["contoso"],
        user_id=users["contoso-sales-grace"].pk,
        origin=CLI,
    )
    # Machines register into the tenant of the token's user.
    assert issued.token.tenant == tenants["contoso-sales"]
    assert issued.token.family == tenants["demo-distributor"].pk


def test_a_unit_administrator_is_refused_outside_their_unit(tenants, users):
    with pytest.raises(PermissionDenied):
        token_create(
            actor=users["contoso-sales-admin"],
            tenant=tenants["contoso"],
            user_id=users["contoso-frank"].pk,
            origin=CLI,
        )
    with pytest.raises(ValidationError):  # the unit's level does not reach its parent's users
        token_create(
            actor=users["contoso-sales-admin"],
            tenant=tenants["contoso-sales"],
            user_id=users["contoso-labs-heidi"].pk,
            origin=CLI,
        )


@pytest.mark.parametrize("slug", ["demo-distributor", "northwind", "direct-customers"])
def test_no_token_at_a_partner_or_folder_level(tenants, users, slug):
    with pytest.raises(ValidationError) as refused:
        token_create(actor=users["distributor-admin"], tenant=tenants[slug], origin=CLI)
    assert "You cannot generate a token on the All customers level." in str(refused.value)


def test_kinds_stand_only_where_the_original_puts_them(tenants, users):
    actor = users["distributor-admin"]
    with pytest.raises(ValidationError):
        tree.child_create(
            actor=actor, parent=tenants["northwind"], kind="unit", name="Stray", origin=CLI
        )
    with pytest.raises(ValidationError):
        tree.child_create(
            actor=actor, parent=tenants["contoso"], kind="customer", name="Stray", origin=CLI
        )
    unit = tree.child_create(
        actor=users["contoso-sales-admin"],
        parent=tenants["contoso-sales"],
        kind="unit",
        name="Sales East",
        origin=CLI,
    )
    assert unit.lineage == [*tenants["contoso-sales"].lineage, unit.pk]
    with pytest.raises(PermissionDenied):  # a unit administrator has no say above the unit
        tree.child_create(
            actor=users["contoso-sales-admin"],
            parent=tenants["contoso"],
            kind="unit",
            name="Sales West",
            origin=CLI,
        )


def test_a_move_rewrites_the_subtree_paths_and_is_audited(tenants, users):
    actor = users["distributor-admin"]
    folder = tree.child_create(
        actor=actor, parent=tenants["demo-distributor"], kind="folder", name="Europe", origin=CLI
    )
    # Cached before the move: the cache must not keep the old path.
    assert level_of(folder.family, "contoso-sales").lineage[1] == tenants["northwind"].pk
    tree.tenant_move(actor=actor, tenant=tenants["northwind"], to=folder, origin=CLI)
    sales = Tenant.objects.get(slug="contoso-sales")
    assert sales.lineage[:3] == [tenants["demo-distributor"].pk, folder.pk, tenants["northwind"].pk]
    assert level_of(folder.family, "contoso-sales").lineage == sales.lineage
    event = AuditEvent.objects.filter(action=AuditEvent.Action.TENANT_MOVE).get()
    assert event.details["from"] == "Demo Distributor" and event.details["to"] == "Europe"
    assert event.details["tenants"] == 5
    # Northwind's administrator still sees exactly their subtree.
    assert slugs(tenants_visible_to(users["northwind-admin"])) == {
        "northwind",
        "contoso",
        "contoso-sales",
        "contoso-labs",
        "fabrikam",
    }


def test_moves_that_would_break_the_tree_are_refused(tenants, users):
    actor = users["distributor-admin"]
    with pytest.raises(ValidationError):  # below itself
        tree.tenant_move(
            actor=actor, tenant=tenants["northwind"], to=tenants["contoso"], origin=CLI
        )
    with pytest.raises(ValidationError):
        tree.tenant_move(
            actor=actor, tenant=tenants["northwind"], to=tenants["northwind"], origin=CLI
        )
    with pytest.raises(ValidationError):  # another tree
        tree.tenant_move(actor=actor, tenant=tenants["contoso"], to=tenants["demo-msp"], origin=CLI)
    with pytest.raises(PermissionDenied):  # a reseller cannot take another reseller's customer
        tree.tenant_move(
            actor=users["southridge-admin"],
            tenant=tenants["fabrikam"],
            to=tenants["southridge"],
            origin=CLI,
        )
    assert Tenant.objects.get(slug="fabrikam").parent == tenants["northwind"]


def _plan(tenant, name):
    from django_tenants.utils import tenant_context

    from agents.directory.services import plan_entry_save
    from agents.models import ProtectionPlan

    with tenant_context(tenant):
        plan = ProtectionPlan.objects.create(name=name)
        plan_entry_save(tenant, plan)
    return plan


def test_a_plan_chosen_at_the_customer_binds_the_units_plan_of_that_name(tenants, users):
    contoso, sales = tenants["contoso"], tenants["contoso-sales"]
    level_plan = _plan(contoso, "Laptops")
    unit_plan = _plan(sales, "Laptops")
    issued = token_create(
        actor=users["contoso-admin"],
        tenant=contoso,
        user_id=users["contoso-sales-grace"].pk,
        plan_id=level_plan.pk,
        origin=CLI,
    )
    assert (issued.token.plan_id, issued.token.plan_name) == (unit_plan.pk, "Laptops")


def test_a_plan_the_unit_lacks_is_refused_not_swapped_for_the_units_plan_of_that_id(tenants, users):
    contoso, sales = tenants["contoso"], tenants["contoso-sales"]
    # Plan ids are per schema: make the unit's next plan share the customer's plan's id.
    level_plan = _plan(contoso, "Servers only")
    other = _plan(sales, "Kiosks")
    while other.pk < level_plan.pk:
        other = _plan(sales, f"Kiosks {other.pk}")
    assert other.pk >= level_plan.pk
    with pytest.raises(ValidationError) as refused:
        token_create(
            actor=users["contoso-admin"],
            tenant=contoso,
            user_id=users["contoso-sales-grace"].pk,
            plan_id=level_plan.pk,
            origin=CLI,
        )
    assert "There is no such protection plan in this customer." in str(refused.value)
