import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import tenant_context

from agents.models import ProtectionPlan
from tenants.models import Tenant, User

EXPECTED_USERS = {
    "msp-admin": ("demo-msp", "partner_admin"),
    "globex-admin": ("globex", "company_admin"),
    "globex-alice": ("globex", "user"),
    "globex-bob": ("globex", "user"),
    "globex-auditor": ("globex", "readonly_admin"),
    "initech-admin": ("initech", "company_admin"),
    "initech-carol": ("initech", "user"),
    "other-admin": ("other-msp", "partner_admin"),
    "umbrella-dave": ("umbrella", "user"),
    # The tree of issue 23: a distributor, two resellers, a folder, a customer with two units.
    "distributor-admin": ("demo-distributor", "partner_admin"),
    "northwind-admin": ("northwind", "partner_admin"),
    "southridge-admin": ("southridge", "partner_admin"),
    "contoso-admin": ("contoso", "company_admin"),
    "contoso-frank": ("contoso", "user"),
    "contoso-sales-admin": ("contoso-sales", "unit_admin"),
    "contoso-sales-grace": ("contoso-sales", "user"),
    "contoso-labs-heidi": ("contoso-labs", "user"),
    "fabrikam-admin": ("fabrikam", "company_admin"),
    "tailspin-ivan": ("tailspin", "user"),
    "litware-admin": ("litware", "company_admin"),
}


def snapshot():
    tenants = sorted(Tenant.objects.values_list("name", "kind", "parent__name", "schema_name"))
    users = sorted(User.objects.values_list("username", "tenant__slug", "role", "is_superuser"))
    plans = {}
    for tenant in Tenant.objects.filter(kind__in=["customer", "unit"]):
        with tenant_context(tenant):
            plans[tenant.slug] = sorted(ProtectionPlan.objects.values_list("name", flat=True))
    return tenants, users, plans


def test_demo_data_matches_the_contract(db):
    tenants, users, plans = snapshot()
    assert [(n, k, p) for n, k, p, _ in tenants] == [
        ("Contoso", "customer", "Northwind Resellers"),
        ("Contoso Labs", "unit", "Contoso"),
        ("Contoso Sales", "unit", "Contoso"),
        ("Demo Distributor", "partner", None),
        ("Demo MSP", "partner", None),
        ("Direct customers", "folder", "Demo Distributor"),
        ("Fabrikam", "customer", "Northwind Resellers"),
        ("Globex", "customer", "Demo MSP"),
        ("Initech", "customer", "Demo MSP"),
        ("Litware", "customer", "Direct customers"),
        ("Northwind Resellers", "partner", "Demo Distributor"),
        ("Other MSP", "partner", None),
        ("Southridge Resellers", "partner", "Demo Distributor"),
        ("Tailspin", "customer", "Southridge Resellers"),
        ("Umbrella", "customer", "Other MSP"),
    ]
    by_name = {u: (t, r) for u, t, r, _ in users}
    assert {u: by_name[u] for u in EXPECTED_USERS} == EXPECTED_USERS
    assert ("platform-admin", None, "", True) in users
    assert plans == {
        "globex": ["Daily backup", "Weekly full image"],
        "initech": ["Servers nightly"],
        "umbrella": [],
        "contoso": ["Daily backup"],
        "contoso-sales": ["Daily backup"],
        "contoso-labs": [],
        "fabrikam": [],
        "tailspin": [],
        "litware": [],
    }


def test_seed_demo_is_idempotent(db):
    before = snapshot()
    call_command("seed_demo", password="another-password", verbosity=0)
    assert snapshot() == before
    assert User.objects.get(username="globex-alice").check_password("another-password")


def test_seed_demo_if_absent_keeps_existing_passwords(db):
    call_command("seed_demo", password="changed", if_absent=True, verbosity=0)
    assert not User.objects.get(username="globex-alice").check_password("changed")


def test_seed_demo_refuses_production_settings(db, settings):
    settings.PORTAL_ENVIRONMENT = "production"
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", password="x", verbosity=0)
