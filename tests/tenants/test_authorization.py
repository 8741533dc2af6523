"""The one door: `authorize` checks the role map and the scope together, and every service
that acts for someone goes through it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import tenant_context

from agents.models import Device
from agents.services.devices import device_unregister
from tenants import services
from tenants.audit import CLI
from tenants.authorization import authorize
from tenants.models import Tenant
from tenants.permissions import ROLE_ACTIONS, Action, can
from tenants.selectors import in_scope, tenants_visible_to
from tests.factories import make_device


def test_authorize_passes_a_role_that_has_the_action_in_its_own_scope(tenants, users):
    authorize(users["globex-admin"], Action.MANAGE_PLANS, tenant=tenants["globex"])
    authorize(users["msp-admin"], Action.MANAGE_PLANS, tenant=tenants["globex"])
    authorize(users["platform-admin"], Action.MANAGE_PARTNERS, tenant=None)


@pytest.mark.parametrize(
    ("username", "action", "slug"),
    [
        ("globex-auditor", Action.MANAGE_PLANS, "globex"),  # role lacks the action
        ("globex-admin", Action.MANAGE_PLANS, "initech"),  # another customer
        ("msp-admin", Action.MANAGE_PLANS, "umbrella"),  # another partner's customer
        ("globex-admin", Action.MANAGE_CUSTOMERS, "demo-msp"),  # above its level
        ("msp-admin", Action.MANAGE_PARTNERS, None),  # the platform is nobody's scope
    ],
)
def test_authorize_refuses_a_missing_role_or_a_tenant_out_of_scope(
    tenants, users, username, action, slug
):
    with pytest.raises(PermissionDenied):
        authorize(users[username], action, tenant=tenants[slug] if slug else None)


def test_authorize_refuses_inactive_users_whatever_their_role(tenants, users):
    admin = users["globex-admin"]
    admin.is_active = False
    with pytest.raises(PermissionDenied):
        authorize(admin, Action.VIEW_DEVICES, tenant=tenants["globex"])


def test_the_role_checks_that_bypassed_the_map_are_actions_now():
    partner, company = ROLE_ACTIONS["partner_admin"], ROLE_ACTIONS["company_admin"]
    assert Action.MANAGE_PARTNER_ADMINS in partner and Action.MANAGE_PARTNER_ADMINS not in company
    assert all(Action.VIEW_ALL_USERS in ROLE_ACTIONS[r] for r in ROLE_ACTIONS if r != "user")
    assert Action.VIEW_ALL_USERS not in ROLE_ACTIONS["user"]
    assert not any(Action.MANAGE_PARTNERS in actions for actions in ROLE_ACTIONS.values())


def test_only_the_superuser_renames_a_partner(tenants, users):
    assert can(users["platform-admin"], Action.MANAGE_PARTNERS)
    with pytest.raises(PermissionDenied):
        services.tenant_rename(
            actor=users["msp-admin"], tenant=tenants["demo-msp"], name="Renamed", origin=CLI
        )
    services.tenant_rename(
        actor=users["platform-admin"], tenant=tenants["demo-msp"], name="Renamed", origin=CLI
    )


def test_unregistering_from_the_console_is_authorized_by_the_service(tenants, users):
    device = make_device(tenants["globex"], users["globex-alice"])
    for username in ("globex-alice", "globex-auditor", "initech-admin", "other-admin"):
        with pytest.raises(PermissionDenied):
            device_unregister(
                actor=users[username], tenant=tenants["globex"], device=device, origin=CLI
            )
    device_unregister(actor=users["msp-admin"], tenant=tenants["globex"], device=device, origin=CLI)
    with tenant_context(tenants["globex"]):
        assert not Device.objects.filter(pk=device.pk).exists()


@pytest.mark.parametrize(
    "username", ["platform-admin", "msp-admin", "globex-admin", "globex-auditor", "globex-alice"]
)
def test_a_deactivated_account_can_do_nothing_whatever_its_role(users, username):
    """`can` alone (pages and admin screens ask it without a scope) says no to every
    action once the account is deactivated, the platform superuser's included."""
    user = users[username]
    assert any(can(user, action) for action in Action)
    user.is_active = False
    assert [action for action in Action if can(user, action)] == []


@pytest.mark.parametrize("username", ["msp-admin", "globex-admin"])
def test_staff_who_are_not_superusers_have_no_platform_scope(tenants, users, username):
    """`is_staff` is Django's flag for the admin site, not a role: only the superuser
    reaches the platform (tenant None), every tenant, and the partners' own actions."""
    user = users[username]
    visible = set(tenants_visible_to(user))
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    assert not in_scope(user, None)
    assert not can(user, Action.MANAGE_PARTNERS)
    with pytest.raises(PermissionDenied):
        authorize(user, Action.MANAGE_PARTNERS, tenant=None)
    assert set(tenants_visible_to(user)) == visible
    assert tenants["other-msp"] not in visible


def test_a_level_is_renamed_by_whoever_manages_its_parent(tenants, users):
    """Units by their customer's administrators (MANAGE_UNITS), sub-partners and customers by
    the partner-side level above; never by the renamed level's own administrators."""
    rename = services.tenant_rename
    sales = rename(
        actor=users["contoso-admin"], tenant=tenants["contoso-sales"], name="Sales", origin=CLI
    )
    assert Tenant.objects.get(pk=sales.pk).name == "Sales"
    northwind = rename(
        actor=users["distributor-admin"], tenant=tenants["northwind"], name="NW", origin=CLI
    )
    assert Tenant.objects.get(pk=northwind.pk).name == "NW"
    for username, slug in (
        ("contoso-sales-admin", "contoso-sales"),  # its own unit: the customer's to name
        ("northwind-admin", "northwind"),
        ("contoso-admin", "contoso"),
        ("globex-auditor", "globex"),
    ):
        with pytest.raises(PermissionDenied):
            rename(actor=users[username], tenant=tenants[slug], name="Mine", origin=CLI)
    with pytest.raises(ValidationError):  # a name its level already has, for a unit too
        rename(
            actor=users["contoso-admin"], tenant=tenants["contoso-labs"], name="Sales", origin=CLI
        )
