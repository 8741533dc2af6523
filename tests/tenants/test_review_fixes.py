"""Edge cases found in review: renames and edits through services, inactive owners,
user-id probing, proxies, and deleting a user mid-registration."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from tenants.models import AuditEvent, Tenant, User
from tenants.net import client_address
from tests.factories import make_token
from tokens.models import RegistrationToken


def test_partner_renames_a_customer_in_the_admin_from_all_customers(login, tenants):
    client = login("msp-admin")
    client.post(reverse("admin:select_scope"), {"tenant": "demo-msp", "next": "/admin/"})
    url = reverse("admin:tenants_tenant_change", args=[tenants["globex"].pk])
    response = client.post(url, {"name": "Globex Corporation"})
    assert response.status_code == 302
    assert Tenant.objects.get(slug="globex").name == "Globex Corporation"
    event = AuditEvent.objects.get(action="tenant.rename")
    assert event.details == {"from": "Globex", "to": "Globex Corporation"}


def test_company_admin_cannot_rename_its_tenant(login, tenants):
    client = login("globex-admin")
    url = reverse("admin:tenants_tenant_change", args=[tenants["globex"].pk])
    client.post(url, {"name": "Renamed"})
    assert Tenant.objects.get(slug="globex").name == "Globex"


def test_user_edits_in_the_admin_are_audited(login, users):
    client = login("globex-admin")
    alice = users["globex-alice"]
    url = reverse("admin:tenants_user_change", args=[alice.pk])
    response = client.post(
        url, {"email": "alice@globex.example", "first_name": "", "last_name": ""}
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.email, alice.is_active) == ("alice@globex.example", False)
    event = AuditEvent.objects.get(action="user.update")
    assert event.details == {"fields": ["email", "is_active"]}


def register(value, machine="m-1"):
    body = {"token": value, "hostname": machine, "os": "Linux", "machine_id": machine}
    return APIClient().post("/api/v1/agents/register", body, format="json")


def test_a_deactivated_users_tokens_stop_working(tenants, users):
    _, value = make_token(tenants["globex"], users["globex-alice"])
    User.objects.filter(username="globex-alice").update(is_active=False)
    assert register(value).status_code == 401


def test_a_plain_user_cannot_tell_which_user_ids_exist(users):
    client = APIClient()
    client.force_authenticate(users["globex-alice"])
    url = "/api/v1/tenants/globex/registration_tokens"
    existing = client.post(url, {"user_id": users["initech-carol"].pk}, format="json")
    missing = client.post(url, {"user_id": 987654}, format="json")
    assert existing.status_code == missing.status_code == 403
    assert existing.json() == missing.json()


@pytest.mark.parametrize(
    "hops,forwarded,expected",
    [
        (0, "203.0.113.9", "10.0.0.1"),
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),
        (2, "198.51.100.7, 203.0.113.9", "198.51.100.7"),
        (2, "203.0.113.9", "10.0.0.1"),
    ],
)
def test_client_address_behind_trusted_proxies(settings, hops, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = hops
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_throttling_behind_a_proxy_counts_each_client(settings, tenants, users):
    settings.TRUSTED_PROXY_COUNT = 1
    _, value = make_token(tenants["globex"], users["globex-alice"])
    bad = {
        "token": "0000-0000-0000-0000-0000-0000-0000",
        "hostname": "x",
        "os": "x",
        "machine_id": "x",
    }
    for _ in range(settings.AGENT_TOKEN_FAILURE_LIMIT):
        APIClient().post(
            "/api/v1/agents/register",
            bad,
            format="json",
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.66",
        )
    body = {"token": value, "hostname": "y", "os": "x", "machine_id": "y"}
    blocked = APIClient().post(
        "/api/v1/agents/register",
        body,
        format="json",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.66",
    )
    other = APIClient().post(
        "/api/v1/agents/register",
        body,
        format="json",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.77",
    )
    assert (blocked.status_code, other.status_code) == (429, 201)


def test_deleting_a_user_revokes_their_tokens_first(tenants, users):
    from portal import services
    from tenants.audit import CLI

    token, _ = make_token(tenants["globex"], users["globex-bob"])
    services.user_delete(actor=users["globex-admin"], user=users["globex-bob"], origin=CLI)
    assert not RegistrationToken.objects.filter(pk=token.pk).exists()
