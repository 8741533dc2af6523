"""Address limits: a token usable only from its allowed networks (IPv4 and IPv6)."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from tenants.audit import CLI
from tenants.models import AuditEvent
from tests.agents.helpers import agent, devices_in, register, token_generate_url
from tests.factories import error_body
from tokens import networks, services
from tokens.models import RegistrationToken
from tokens.networks import MSG_REFUSED

pytestmark = pytest.mark.django_db

REFUSED = {"detail": MSG_REFUSED}


def limited(tenants, users, allowed, plan_id=None):
    issued = services.token_create(
        actor=users["globex-admin"],
        tenant=tenants["globex"],
        user_id=users["globex-bob"].pk,
        allowed_networks=allowed,
        plan_id=plan_id,
        origin=CLI,
    )
    return issued.token, issued.value


def test_networks_are_checked_and_normalized(tenants, users):
    token, _ = limited(tenants, users, ["10.1.2.3/8", " 2001:db8::/32 ", "192.0.2.7"])
    assert token.allowed_networks == ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7/32"]


@pytest.mark.parametrize("bad", ["10.0.0.0/33", "example.com", "2001:db8::/129", "1.2.3"])
def test_an_invalid_network_is_refused(tenants, users, bad):
    with pytest.raises(ValidationError) as error:
        limited(tenants, users, ["10.0.0.0/8", bad])
    assert list(error.value.message_dict) == ["allowed_networks"]


@pytest.mark.parametrize(
    "allowed,address,ok",
    [
        (["10.0.0.0/8"], "10.200.1.1", True),
        (["10.0.0.0/8"], "192.0.2.1", False),
        (["2001:db8::/32"], "2001:db8::5", True),
        (["2001:db8::/32"], "10.0.0.1", False),
        (["10.0.0.0/8"], "::ffff:10.0.0.9", True),
        ([], "203.0.113.9", True),
    ],
)
def test_allows(allowed, address, ok):
    assert networks.allows(allowed, address) is ok


def test_registration_from_outside_is_403_audited_and_writes_nothing(tenants, users):
    token, value = limited(tenants, users, ["192.0.2.0/24"])
    refused = register(value, address="10.0.0.1")
    assert (refused.status_code, error_body(refused)) == (403, REFUSED)
    assert devices_in(tenants["globex"]) == []
    token.refresh_from_db()
    assert (token.registrations, token.machines) == (0, 0)
    event = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_USE_FAILED)
    assert (event.tenant, event.ip_address, event.details["reason"]) == (
        tenants["globex"],
        "10.0.0.1",
        "network_refused",
    )
    assert event.details["token_id"] == str(token.public_id)
    assert register(value, address="192.0.2.44").status_code == 201


def test_registration_from_an_allowed_network_is_still_two_statements(
    tenants, users, django_assert_num_queries
):
    _, value = limited(tenants, users, ["192.0.2.0/24", "2001:db8::/32"])
    with django_assert_num_queries(2):
        assert register(value, address="2001:db8::1").status_code == 201


def test_plan_change_from_outside_is_403_and_audited(tenants, users):
    from django_tenants.utils import tenant_context

    from agents.models import ProtectionPlan

    with tenant_context(tenants["globex"]):
        plan_id = ProtectionPlan.objects.get(name="Daily backup").pk
    _, value = limited(tenants, users, ["192.0.2.0/24"], plan_id=plan_id)
    secret = register(value, address="192.0.2.1").json()["agent_secret"]
    outside = agent(secret).post(
        "/api/v1/agents/me/plan/apply", {"token": value}, format="json", REMOTE_ADDR="10.9.9.9"
    )
    assert (outside.status_code, error_body(outside)) == (403, REFUSED)
    assert [d.plans.count() for d in devices_in(tenants["globex"])] == [0]
    event = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_USE_FAILED)
    assert event.details["reason"] == "network_refused"
    inside = agent(secret).post(
        "/api/v1/agents/me/plan/apply", {"token": value}, format="json", REMOTE_ADDR="192.0.2.9"
    )
    assert inside.status_code == 200


def test_api_accepts_returns_and_validates_allowed_networks(api):
    client = api("globex-alice")
    url = "/api/v1/tenants/globex/registration_tokens"
    created = client.post(url, {"allowed_networks": ["192.0.2.0/24", "2001:db8::/32"]}, "json")
    assert created.status_code == 201
    assert created.json()["allowed_networks"] == ["192.0.2.0/24", "2001:db8::/32"]
    listed = client.get(url).json()["items"]
    assert listed[0]["allowed_networks"] == ["192.0.2.0/24", "2001:db8::/32"]
    bad = client.post(url, {"allowed_networks": ["192.0.2.0/24", "not-a-net"]}, "json")
    assert bad.status_code == 400 and "allowed_networks" in bad.json()["errors"]


def test_console_cli_and_admin_take_allowed_networks(login, users):
    client = login("globex-alice")
    url = token_generate_url("globex")
    client.post(url, {"lifetime": "259200", "allowed_networks": "192.0.2.0/24\n2001:db8::/32"})
    bad = client.post(url, {"lifetime": "259200", "allowed_networks": "nope"})
    assert bad.status_code == 400 and "is not a network" in bad.content.decode()
    out = StringIO()
    call_command(
        "tokens", "create", "--tenant", "globex", "--user", "globex-bob",
        "--allowed-network", "198.51.100.0/24", stdout=out,
    )  # fmt: skip
    assert "From:    198.51.100.0/24" in out.getvalue()
    admin = login("globex-admin")
    admin.post(
        reverse("admin:tokens_registrationtoken_add"),
        {"user": users["globex-admin"].pk, "lifetime": "259200", "allowed_networks": "10.0.0.0/8"},
    )
    stored = {
        t.user.username: t.allowed_networks
        for t in RegistrationToken.objects.select_related("user")
    }
    assert stored == {
        "globex-alice": ["192.0.2.0/24", "2001:db8::/32"],
        "globex-bob": ["198.51.100.0/24"],
        "globex-admin": ["10.0.0.0/8"],
    }


def test_openapi_schema_describes_allowed_networks_and_the_403(client, users):
    client.force_login(users["globex-admin"])
    schema = client.get("/api/v1/schema?format=json").json()
    components = schema["components"]["schemas"]
    assert "allowed_networks" in components["TokenItem"]["properties"]
    assert "allowed_networks" in components["TokenCreateInputRequest"]["properties"]
    register_op = schema["paths"]["/api/v1/agents/register"]["post"]
    assert "403" in register_op["responses"]


@pytest.mark.parametrize("address", ["", None, "unix:/run/portal.sock"])
def test_an_address_that_cannot_be_read_is_outside_every_network(address):
    assert networks.allows(["0.0.0.0/0", "::/0"], address) is False


def test_a_limited_token_is_refused_when_the_client_address_is_empty(tenants, users):
    """Behind a unix-socket proxy REMOTE_ADDR can be empty: an address the token's limit
    cannot place is refused, for a registration and for a plan change alike."""
    from django_tenants.utils import tenant_context

    from agents.models import ProtectionPlan

    with tenant_context(tenants["globex"]):
        plan_id = ProtectionPlan.objects.get(name="Daily backup").pk
    token, value = limited(tenants, users, ["0.0.0.0/0", "::/0"], plan_id=plan_id)
    refused = register(value, address="")
    assert refused.status_code == 403
    assert error_body(refused) == REFUSED
    assert devices_in(tenants["globex"]) == []
    secret = register(value, address="192.0.2.1").json()["agent_secret"]
    change = agent(secret).post(
        "/api/v1/agents/me/plan/apply", {"token": value}, format="json", REMOTE_ADDR=""
    )
    assert change.status_code == 403
    assert error_body(change) == REFUSED
    assert [d.plans.count() for d in devices_in(tenants["globex"])] == [0]
    token.refresh_from_db()
    assert (token.registrations, token.machines) == (1, 1)
