"""The two-factor requirement down the whole tree (issue 23, item 6): a level's requirement
reaches every level below it, at any depth, and no level below can loosen it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tenants.audit import CLI
from tenants.models import Tenant, User
from tenants.two_factor import is_required, level_requirement
from tenants.two_factor_services import requirement_set
from tests.tenants.test_two_factor import sign_in, url, verified_sign_in

pytestmark = pytest.mark.django_db


def fresh(username: str) -> User:
    return User.objects.select_related("tenant__parent").get(username=username)


def test_a_distributors_everyone_takes_a_unit_user_three_levels_down_to_enrolment(users, tenants):
    grace = sign_in("contoso-sales-grace")
    assert grace.get(url("devices", "contoso-sales")).status_code == 200
    requirement_set(
        actor=users["distributor-admin"],
        tenant=tenants["demo-distributor"],
        value="everyone",
        origin=CLI,
    )
    # Signed out by the requirement (the whole subtree's users, not only the level's
    # children), and sent to enrolment at the next sign-in.
    response = grace.get(url("devices", "contoso-sales"))
    assert response.status_code == 302
    assert not response["Location"].startswith(reverse("two-factor-enrol"))
    again = sign_in("contoso-sales-grace")
    response = again.get(url("devices", "contoso-sales"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two-factor-enrol"))
    # Every level of the tree is under it; the other tree is not.
    for tenant in Tenant.objects.filter(family=tenants["demo-distributor"].pk):
        assert level_requirement(tenant) == "everyone", tenant.slug
    assert level_requirement(tenants["globex"]) == ""


def test_a_resellers_admins_requirement_reaches_a_unit_administrator_not_its_user(users, tenants):
    requirement_set(
        actor=users["northwind-admin"], tenant=tenants["northwind"], value="admins", origin=CLI
    )
    assert is_required(fresh("contoso-sales-admin"))
    assert is_required(fresh("contoso-admin"))
    assert not is_required(fresh("contoso-sales-grace"))
    # Another reseller's customers are not under it.
    assert not is_required(fresh("southridge-admin"))
    admin = sign_in("contoso-sales-admin")
    response = admin.get(url("devices", "contoso-sales"))
    assert response["Location"].startswith(reverse("two-factor-enrol"))


def test_a_unit_cannot_loosen_what_a_level_above_requires(users, tenants):
    requirement_set(
        actor=users["northwind-admin"], tenant=tenants["northwind"], value="admins", origin=CLI
    )
    with pytest.raises(ValidationError):
        requirement_set(
            actor=users["contoso-sales-admin"],
            tenant=tenants["contoso-sales"],
            value="",
            origin=CLI,
        )
    admin = verified_sign_in(users["contoso-sales-admin"])
    page = admin.get(url("two-factor-requirement", "contoso-sales")).content.decode()
    assert "Set by a level above, and not loosened here" in page
    response = admin.post(url("two-factor-requirement", "contoso-sales"), {"requirement": ""})
    assert response.status_code == 200
    assert "cannot loosen" in response.content.decode()
    # It may add to it: everyone in the unit, not its sister unit.
    response = admin.post(
        url("two-factor-requirement", "contoso-sales"), {"requirement": "everyone"}
    )
    assert response.status_code == 302
    assert is_required(fresh("contoso-sales-grace"))
    assert not is_required(fresh("contoso-labs-heidi"))
