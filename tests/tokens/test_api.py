"""REST API for tenants, users, plans and registration tokens."""

import datetime

import pytest
from django.utils.dateparse import parse_datetime
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from agents.models import ProtectionPlan
from tenants.models import AuditEvent
from tests.factories import error_body, make_token
from tokens import values
from tokens.models import RegistrationToken
from tokens.services import MSG_ALL_CUSTOMERS as ALL_CUSTOMERS


def tokens_url(slug):
    return f"/api/v1/tenants/{slug}/registration_tokens"


def plan_pk(tenant, name):
    with tenant_context(tenant):
        return ProtectionPlan.objects.get(name=name).pk


@pytest.mark.parametrize(
    "username,expected",
    [
        (
            "msp-admin",
            [
                ("demo-msp", "partner", None),
                ("globex", "customer", "demo-msp"),
                ("initech", "customer", "demo-msp"),
            ],
        ),
        ("globex-alice", [("globex", "customer", "demo-msp")]),
        ("other-admin", [("other-msp", "partner", None), ("umbrella", "customer", "other-msp")]),
    ],
)
def test_tenants_lists_what_the_caller_can_see(api, username, expected):
    body = api(username).get("/api/v1/tenants").json()
    assert [(i["id"], i["kind"], i["parent_id"]) for i in body["items"]] == expected
    assert all(isinstance(i["id"], str) and i["name"] for i in body["items"])


def test_users_and_plans_are_scoped_like_the_console(api):
    users = api("globex-admin").get("/api/v1/tenants/globex/users").json()["items"]
    assert {u["username"] for u in users} == {
        "globex-admin",
        "globex-alice",
        "globex-bob",
        "globex-auditor",
    }
    assert {u["role"] for u in users} == {"company_admin", "user", "readonly_admin"}
    plans = api("globex-admin").get("/api/v1/tenants/globex/protection_plans").json()["items"]
    assert [p["name"] for p in plans] == ["Daily backup", "Weekly full image"]
    assert all(isinstance(p["id"], str) for p in plans)
    assert api("globex-admin").get("/api/v1/tenants/initech/users").status_code == 404
    assert api("msp-admin").get("/api/v1/tenants/umbrella/protection_plans").status_code == 404
    me = api("globex-alice").get("/api/v1/tenants/globex/users").json()["items"]
    assert [u["username"] for u in me] == ["globex-alice"]


def test_user_generates_a_token_with_the_defaults(api, users):
    response = api("globex-alice").post(tokens_url("globex"), {}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= {
        "id",
        "token",
        "token_prefix",
        "user",
        "created_by",
        "created_at",
        "expires_at",
        "plan",
        "registrations",
        "last_used_at",
    }
    assert body["user"] == {
        "id": str(users["globex-alice"].pk),
        "uuid": str(users["globex-alice"].uuid),
        "username": "globex-alice",
    }
    assert body["created_by"]["username"] == "globex-alice"
    lifetime = parse_datetime(body["expires_at"]) - parse_datetime(body["created_at"])
    assert lifetime == datetime.timedelta(seconds=259200)
    assert body["plan"] is None and body["registrations"] == 0 and body["last_used_at"] is None
    assert body["token_prefix"] == values.normalize(body["token"])[:2]
    assert response["Cache-Control"] == "no-store"


def test_admin_generates_for_a_user_with_a_plan(api, users, tenants):
    pk = plan_pk(tenants["globex"], "Daily backup")
    response = api("globex-admin").post(
        tokens_url("globex"),
        {"expires_in": 3600, "user_id": str(users["globex-bob"].pk), "plan_id": str(pk)},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["user"]["username"] == "globex-bob"
    assert body["created_by"]["username"] == "globex-admin"
    assert body["plan"] == {"id": str(pk), "name": "Daily backup"}


def test_all_customers_level_answers_400_with_the_manuals_sentence(api, users):
    response = api("msp-admin").post(
        tokens_url("demo-msp"), {"user_id": users["globex-alice"].pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == ALL_CUSTOMERS


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"expires_in": 59}, "expires_in"),
        ({"expires_in": 31536001}, "expires_in"),
        ({"expires_in": "three days"}, "expires_in"),
        ({"user_id": "999999"}, "user_id"),
        ({"user_id": "not-a-number"}, "user_id"),
        ({"plan_id": "999999"}, "plan_id"),
    ],
)
def test_invalid_input_answers_400(api, payload, field):
    response = api("globex-admin").post(tokens_url("globex"), payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert field in body.get("errors", body)


def test_user_of_another_tenant_is_a_400(api, users):
    response = api("globex-admin").post(
        tokens_url("globex"), {"user_id": users["initech-carol"].pk}, format="json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "username,payload",
    [
        ("globex-auditor", {}),
        ("globex-alice", {"user_id": "BOB"}),
        ("globex-alice", {"plan_id": "PLAN"}),
    ],
)
def test_roles_that_may_not_answer_403(api, users, tenants, username, payload):
    if payload.get("user_id") == "BOB":
        payload = {"user_id": users["globex-bob"].pk}
    if payload.get("plan_id") == "PLAN":
        payload = {"plan_id": plan_pk(tenants["globex"], "Daily backup")}
    response = api(username).post(tokens_url("globex"), payload, format="json")
    assert response.status_code == 403
    assert not RegistrationToken.objects.exists()


@pytest.mark.parametrize(
    "username,slug",
    [("msp-admin", "umbrella"), ("globex-admin", "initech"), ("globex-alice", "nope")],
)
def test_tenant_outside_the_scope_answers_404(api, username, slug):
    assert api(username).post(tokens_url(slug), {}, format="json").status_code == 404
    assert api(username).get(tokens_url(slug)).status_code == 404


def test_list_shows_active_tokens_with_the_prefix_only(api, users, tenants):
    client = api("globex-admin")
    created = client.post(
        tokens_url("globex"), {"user_id": users["globex-bob"].pk}, format="json"
    ).json()
    expired, _ = make_token(tenants["globex"], users["globex-alice"], lifetime=60)
    RegistrationToken.objects.filter(pk=expired.pk).update(expires_at=expired.created_at)
    response = client.get(tokens_url("globex"))
    items = response.json()["items"]
    assert [i["id"] for i in items] == [created["id"]]
    assert "token" not in items[0] and items[0]["token_prefix"] == created["token_prefix"]
    canonical = values.normalize(created["token"])
    assert canonical[2:] not in response.content.decode().replace("-", "")
    assert items[0]["tenant"] == {
        "id": "globex",
        "uuid": str(tenants["globex"].uuid),
        "name": "Globex",
    }


def test_partner_level_list_spans_its_customers_with_their_tenant(api, users, tenants):
    make_token(tenants["globex"], users["globex-alice"])
    make_token(tenants["initech"], users["initech-carol"])
    make_token(tenants["umbrella"], users["umbrella-dave"])
    items = api("msp-admin").get(tokens_url("demo-msp")).json()["items"]
    assert sorted(i["tenant"]["id"] for i in items) == ["globex", "initech"]


def test_list_query_count_does_not_grow_with_tokens(api, users, tenants, django_assert_num_queries):
    client = api("globex-admin")
    make_token(tenants["globex"], users["globex-alice"])
    with django_assert_num_queries(1) as first:  # the tokens: the tenant is the user's own
        assert len(client.get(tokens_url("globex")).json()["items"]) == 1
    for _ in range(20):
        make_token(tenants["globex"], users["globex-bob"], actor=users["globex-admin"])
    with django_assert_num_queries(len(first.captured_queries)):
        assert len(client.get(tokens_url("globex")).json()["items"]) == 21


def test_delete_answers_204_and_the_token_is_gone(api, users, tenants):
    token, _ = make_token(tenants["globex"], users["globex-bob"])
    client = api("globex-admin")
    response = client.delete(f"/api/v1/registration_tokens/{token.public_id}")
    assert response.status_code == 204
    assert client.get(tokens_url("globex")).json()["items"] == []
    assert client.delete(f"/api/v1/registration_tokens/{token.public_id}").status_code == 404
    assert AuditEvent.objects.filter(action="token.delete", source="api").count() == 1


@pytest.mark.parametrize("username", ["other-admin", "initech-admin", "globex-alice"])
def test_delete_of_a_token_the_caller_cannot_see_answers_404(api, users, tenants, username):
    token, _ = make_token(tenants["globex"], users["globex-bob"])
    assert api(username).delete(f"/api/v1/registration_tokens/{token.public_id}").status_code == 404
    assert RegistrationToken.objects.active().filter(pk=token.pk).exists()


def test_read_only_admin_cannot_delete(api, users, tenants):
    token, _ = make_token(tenants["globex"], users["globex-bob"])
    assert (
        api("globex-auditor").delete(f"/api/v1/registration_tokens/{token.public_id}").status_code
        == 403
    )


def test_session_authentication_requires_csrf(client, users):
    csrf_client = APIClient(enforce_csrf_checks=True)
    csrf_client.force_login(users["globex-alice"])
    assert csrf_client.post(tokens_url("globex"), {}, format="json").status_code == 403
    assert APIClient().get("/api/v1/tenants").status_code == 403


def test_openapi_schema_and_docs_are_served_locally(client, users):
    client.force_login(users["globex-admin"])
    schema = client.get("/api/v1/schema")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "openapi: 3" in text and "/api/v1/tenants/{tenant_id}/registration_tokens" in text
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html and "cdn" not in html.lower()
    assert "//unpkg" not in html and "jsdelivr" not in html


def test_a_plain_user_cannot_tell_which_user_ids_exist(users, api):
    client = api("globex-alice")
    url = "/api/v1/tenants/globex/registration_tokens"
    existing = client.post(url, {"user_id": users["initech-carol"].pk}, format="json")
    missing = client.post(url, {"user_id": 987654}, format="json")
    assert existing.status_code == missing.status_code == 403
    assert error_body(existing) == error_body(missing)
