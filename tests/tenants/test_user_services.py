import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tenants import services
from tenants.audit import CLI


def create(actor, tenant, role="user", username="new-user"):
    return services.user_create(
        actor=actor, tenant=tenant, username=username, password="pw-123456", role=role, origin=CLI
    )


def test_partner_admin_role_only_on_partner_tenants(tenants, users):
    with pytest.raises(ValidationError):
        create(users["msp-admin"], tenants["globex"], role="partner_admin")
    with pytest.raises(ValidationError):
        create(users["msp-admin"], tenants["demo-msp"], role="user")
    admin = create(users["msp-admin"], tenants["demo-msp"], role="partner_admin")
    assert admin.role == "partner_admin"


def test_usernames_are_unique_case_insensitively(tenants, users):
    with pytest.raises(ValidationError):
        create(users["globex-admin"], tenants["globex"], username="GLOBEX-ALICE")


@pytest.mark.parametrize("username", ["globex-auditor", "globex-alice"])
def test_read_only_admin_and_user_cannot_create_users(tenants, users, username):
    with pytest.raises(PermissionDenied):
        create(users[username], tenants["globex"])


@pytest.mark.parametrize("username,slug", [("globex-admin", "initech"), ("msp-admin", "umbrella")])
def test_users_cannot_be_created_outside_the_scope(tenants, users, username, slug):
    with pytest.raises(PermissionDenied):
        create(users[username], tenants[slug])


def test_company_admin_cannot_create_a_customer(tenants, users):
    with pytest.raises(PermissionDenied):
        services.customer_create(
            actor=users["globex-admin"], partner=tenants["demo-msp"], name="X", origin=CLI
        )


def test_only_the_superuser_creates_partners(users):
    with pytest.raises(PermissionDenied):
        services.partner_create(actor=users["msp-admin"], name="Rogue MSP", origin=CLI)
    partner = services.partner_create(actor=users["platform-admin"], name="New MSP", origin=CLI)
    assert partner.is_partner and partner.slug == "new-msp"
