"""GET /api/v1/tenants/{id}/audit_events: the audit log for SIEM and PSA tools, with the
Management portal's scope rules, filters, cursor pages and no secrets."""

import datetime

import pytest
import time_machine
from rest_framework.test import APIClient

from tenants.audit import CLI
from tenants.models import AuditEvent
from tests.agents.helpers import register
from tests.factories import error_body, make_token
from tokens import services

KEYS = {
    "id",
    "at",
    "action",
    "actor",
    "on_behalf_of",
    "tenant",
    "source",
    "client_address",
    "details",
}
T0 = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)


def url(slug):
    return f"/api/v1/tenants/{slug}/audit_events"


def event(tenant, name, *, actor="globex-admin", action="plan.create", at=T0, **more):
    return AuditEvent.objects.create(
        at=at,
        tenant=tenant,
        family=tenant.family,
        actor_name=actor,
        action=action,
        object_type="protectionplan",
        object_repr=name,
        source="ui",
        **more,
    )


def names(response):
    assert response.status_code == 200, response.content
    return [item["details"].get("object", {}).get("name") for item in response.json()["items"]]


def test_an_item_has_exactly_the_listed_keys_and_shapes(api, tenants, users):
    token, _ = make_token(tenants["globex"], users["globex-bob"], actor=users["globex-admin"])
    body = api("globex-admin").get(url("globex"), {"action": "token.create"}).json()
    assert set(body) == {"items", "next"}
    [item] = body["items"]
    assert set(item) == KEYS
    assert item["action"] == {"code": "token.create", "label": "Registration token generated"}
    assert item["actor"] == {
        "id": str(users["globex-admin"].pk),
        "uuid": str(users["globex-admin"].uuid),
        "username": "globex-admin",
    }
    assert item["on_behalf_of"] == {
        "id": str(users["globex-bob"].pk),
        "uuid": str(users["globex-bob"].uuid),
        "username": "globex-bob",
    }
    assert item["tenant"] == {"id": "globex", "uuid": str(tenants["globex"].uuid), "name": "Globex"}
    assert (item["source"], item["client_address"]) == ("cli", None)
    assert item["details"]["token_id"] == str(token.public_id)
    assert item["details"]["prefix"] == token.prefix
    assert item["details"]["object"]["type"] == "registrationtoken"


@pytest.mark.parametrize(
    ("username", "slug", "expected"),
    [
        ("globex-admin", "globex", {"Globex plan"}),
        ("globex-auditor", "globex", {"Globex plan"}),  # read-only administrator
        ("msp-admin", "globex", {"Globex plan"}),  # partner at a customer
        ("msp-admin", "demo-msp", {"Globex plan", "Initech plan"}),  # at All customers
        ("platform-admin", "demo-msp", {"Globex plan", "Initech plan"}),
    ],
)
def test_who_sees_which_events(api, tenants, username, slug, expected):
    event(tenants["globex"], "Globex plan")
    event(tenants["initech"], "Initech plan")
    event(tenants["umbrella"], "Umbrella plan")
    assert set(names(api(username).get(url(slug), {"action": "plan.create"}))) == expected


def test_a_plain_user_is_refused(api):
    response = api("globex-alice").get(url("globex"))
    assert response.status_code == 403
    assert set(error_body(response)) == {"detail"}


@pytest.mark.parametrize(
    ("username", "slug"),
    [
        ("globex-admin", "initech"),  # another customer of the same partner
        ("globex-admin", "demo-msp"),  # its partner's level
        ("other-admin", "globex"),  # another partner's customer
        ("other-admin", "demo-msp"),  # another partner
        ("msp-admin", "umbrella"),
        ("msp-admin", "no-such-tenant"),
    ],
)
def test_a_tenant_out_of_scope_is_404(api, tenants, users, username, slug):
    event(tenants["globex"], "Globex plan")
    client = api(username)
    assert client.get(url(slug)).status_code == 404
    home = users[username].tenant.slug  # while the caller's own level answers
    assert client.get(url(home)).status_code == 200


def test_unauthenticated_is_refused():
    assert APIClient().get(url("globex")).status_code in (401, 403)


def test_filters_by_action_user_and_since(api, tenants):
    event(tenants["globex"], "old by alice", actor="globex-alice", at=T0)
    event(tenants["globex"], "new by alice", actor="globex-alice", at=T0.replace(hour=14))
    event(tenants["globex"], "new by bob", actor="globex-bob", at=T0.replace(hour=14))
    event(tenants["globex"], "deleted", action="plan.delete", at=T0.replace(hour=15))
    client = api("globex-admin")
    assert names(client.get(url("globex"), {"user": "globex-alice"})) == [
        "new by alice",
        "old by alice",
    ]
    since = {"since": "2026-11-20T13:00:00Z", "action": "plan.create"}
    assert set(names(client.get(url("globex"), since))) == {"new by alice", "new by bob"}
    # an offset, and a "+" a client forgot to encode (read as a space)
    for moment in ("2026-11-20T14:30:00+01:00", "2026-11-20T14:30:00 01:00"):
        got = names(client.get(url("globex"), {"since": moment, "action": "plan.create"}))
        assert set(got) == {"new by alice", "new by bob"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-13-01T00:00:00Z"}, "since"),
        ({"action": "token.steal"}, "action"),
        ({"limit": "0"}, "limit"),
    ],
)
def test_bad_filters_are_400_in_the_shared_error_shape(api, query, field):
    response = api("globex-admin").get(url("globex"), query)
    assert response.status_code == 400
    body = error_body(response)
    assert set(body) == {"detail", "errors"} and list(body["errors"]) == [field]
    assert body["detail"] == body["errors"][field][0]


def test_pages_are_newest_first_and_stable_while_events_are_added(api, tenants):
    for n in range(5):
        event(tenants["globex"], f"e{n}", at=T0 + datetime.timedelta(minutes=n))
    client = api("globex-admin")
    first = client.get(url("globex"), {"limit": 2, "action": "plan.create"}).json()
    assert [i["details"]["object"]["name"] for i in first["items"]] == ["e4", "e3"]
    event(tenants["globex"], "newer", at=T0 + datetime.timedelta(hours=1))
    seen = []
    link = first["next"]
    while link:
        page = client.get(link).json()
        seen += [i["details"]["object"]["name"] for i in page["items"]]
        link = page["next"]
    assert seen == ["e2", "e1", "e0"]
    assert "action=plan.create" in first["next"]


def test_failed_token_uses_are_events_with_a_count_and_no_secret(api, tenants, users, settings):
    settings.AGENT_TOKEN_FAILURE_LIMIT = 100
    token, value = make_token(tenants["globex"], users["globex-alice"])
    services.token_delete(actor=users["globex-admin"], token=token, origin=CLI)
    minute = T0.replace(year=2027)  # a minute of its own: the three are one event
    with time_machine.travel(minute, tick=True):
        for _ in range(3):
            assert register(value, address="10.4.4.4").status_code == 401
    response = api("globex-admin").get(url("globex"), {"action": "token.use_failed"})
    [item] = response.json()["items"]
    assert item["actor"] is None and item["client_address"] == "10.4.4.4"
    assert item["details"]["reason"] == "deleted" and item["details"]["count"] == 3
    assert item["on_behalf_of"]["username"] == "globex-alice"
    text = response.content.decode()
    for secret in (value, value.replace("-", ""), token.digest):
        assert secret not in text


def test_a_secret_written_into_details_by_mistake_is_dropped_or_masked(api, tenants, users):
    _, value = make_token(tenants["globex"], users["globex-alice"])
    event(
        tenants["globex"],
        f"object {value}",
        details={"token": value, "secret": "s3cr3t", "note": f"typed {value.replace('-', '')}"},
    )
    response = api("globex-admin").get(url("globex"), {"action": "plan.create"})
    text = response.content.decode()
    assert value not in text and value.replace("-", "") not in text and "s3cr3t" not in text
    [item] = response.json()["items"]
    assert item["details"]["note"] == f"typed {value[:2]}••-••••-…"


def test_the_audit_api_is_in_the_openapi_schema(client, users):
    client.force_login(users["globex-admin"])
    text = client.get("/api/v1/schema").content.decode()
    assert "/api/v1/tenants/{tenant_id}/audit_events" in text
    for word in ("AuditEventItem", "client_address", "on_behalf_of", "token.use_failed", "since"):
        assert word in text
