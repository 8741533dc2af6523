"""No answer tells a partner about another partner's data (issue 21, item 7): a new
customer's slug does not depend on which slugs other partners' customers have, and a taken
username is answered without saying whose it is."""

import re

import pytest
from django.urls import reverse

from tenants import services
from tenants.audit import CLI
from tenants.models import Tenant, User

pytestmark = pytest.mark.django_db


def test_a_customer_slug_does_not_tell_whether_another_partner_has_that_name(tenants, users):
    # "Umbrella" is a customer of other-msp; "Zenith" exists nowhere.
    assert Tenant.objects.filter(slug="umbrella").exclude(parent=tenants["demo-msp"]).exists()
    taken = services.customer_create(
        actor=users["msp-admin"], partner=tenants["demo-msp"], name="Umbrella", origin=CLI
    )
    free = services.customer_create(
        actor=users["msp-admin"], partner=tenants["demo-msp"], name="Zenith", origin=CLI
    )
    assert re.fullmatch(r"umbrella-[a-z0-9]{6}", taken.slug), taken.slug
    assert re.fullmatch(r"zenith-[a-z0-9]{6}", free.slug), free.slug


def test_the_customer_page_answers_alike_for_a_name_another_partner_uses(login, tenants):
    client = login("msp-admin")
    url = reverse("customer-create", kwargs={"tenant_id": "demo-msp"})
    for name in ("Umbrella", "Zenith"):
        response = client.post(url, {"name": name})
        assert response.status_code == 302
    slugs = {t.name: t.slug for t in Tenant.objects.filter(parent=tenants["demo-msp"])}
    assert slugs["Umbrella"].count("-") == slugs["Zenith"].count("-") == 1


def test_a_taken_username_is_answered_without_saying_where(login, users):
    """The answer is the same whether the name is a user the administrator can see or one
    of another partner's customers (sign-in names are unique across the platform)."""
    assert users["umbrella-dave"].tenant.parent.slug == "other-msp"
    client = login("globex-admin")
    url = reverse("user-create", kwargs={"tenant_id": "globex"})
    form = {"tenant": "globex", "password": "a-long-password", "role": "user"}
    answers = []
    for name in ("umbrella-dave", "globex-bob"):
        response = client.post(url, {**form, "username": name})
        assert response.status_code == 200
        answers.append(response.context["form"].errors["username"])
    assert answers[0] == answers[1] == ["This username is not available. Choose another."]
    assert User.objects.filter(username__in=["umbrella-dave", "globex-bob"]).count() == 2
