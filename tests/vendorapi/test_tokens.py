"""Registration tokens under `/api/2/` and the older `/bc/` path: the vendor's bodies and
answers, this portal's rules, the vendor's error shape."""

import datetime

from django.utils import timezone

from agents.models import ProtectionPlan
from tenants.models import AuditEvent
from tokens.models import RegistrationToken

from .conftest import vendor_error

ONE_YEAR = 31536000


def user_scope(personal_id="") -> str:
    return f"urn:acronis.com:tenant-id:{personal_id}:backup_agent_admin"


def plan_scope(tenant, plan_id) -> str:
    return f"urn:acronis.com::policy_management:{tenant.uuid}|{plan_id}:apply_revoke"


def weekly_plan(tenant) -> int:
    from django_tenants.utils import tenant_context

    with tenant_context(tenant):
        return ProtectionPlan.objects.get(name="Weekly full image").pk


def test_the_samples_flow_creates_lists_reads_and_deletes_a_token(script, users, tenants):
    client = script.sign_in_client("globex-admin")
    personal = client["me"]["personal_tenant_id"]
    path = f"/api/2/tenants/{personal}/registration_tokens"
    response = script.call("POST", path, {"expires_in": 3600, "scopes": [user_scope()]})
    assert response.status_code == 201, response.content
    created = response.json()
    assert set(created) == {"id", "token", "tenant_id", "created_at", "expires_at", "scopes"}
    assert created["tenant_id"] == str(tenants["globex"].uuid)
    assert created["scopes"] == [user_scope(personal)]
    token = RegistrationToken.objects.get(public_id=created["id"])
    assert token.user == users["globex-admin"]
    assert token.expires_at - token.created_at == datetime.timedelta(seconds=3600)
    assert response["Cache-Control"] == "no-store"
    # The list never shows a value; the token itself; its deletion; then 404.
    listing = script.call("GET", path).json()
    assert [item["id"] for item in listing["items"]] == [created["id"]]
    assert "token" not in listing["items"][0]
    one = script.call("GET", f"/api/2/registration_tokens/{created['id']}").json()
    assert one == {k: v for k, v in created.items() if k != "token"}
    assert script.call("DELETE", f"/api/2/registration_tokens/{created['id']}").status_code == 204
    assert AuditEvent.objects.filter(action="token.delete", object_id=str(token.pk)).exists()
    gone = script.call("DELETE", f"/api/2/registration_tokens/{created['id']}")
    assert vendor_error(gone, 404)["code"] == "NotFound"


def test_an_admin_names_a_user_and_a_plan_at_the_customer(script, users, tenants):
    script.sign_in_client("globex-admin")
    globex, bob = tenants["globex"], users["globex-bob"]
    plan_id = weekly_plan(globex)
    scopes = [user_scope(bob.personal_tenant_uuid), plan_scope(globex, plan_id)]
    response = script.call(
        "POST",
        f"/api/2/tenants/{globex.uuid}/registration_tokens",
        {"expires_in": ONE_YEAR, "scopes": scopes},
    )
    assert response.status_code == 201, response.content
    assert response.json()["scopes"] == scopes
    token = RegistrationToken.objects.get(public_id=response.json()["id"])
    assert (token.user, token.plan_id, token.plan_name) == (bob, plan_id, "Weekly full image")
    event = AuditEvent.objects.get(action="token.create", object_id=str(token.pk))
    assert event.on_behalf_of == bob and event.source == "api"


def test_the_older_path_takes_the_tenant_in_the_body(script, users, tenants):
    client = script.sign_in_client("globex-admin")
    personal = client["me"]["personal_tenant_id"]
    body = {"tenant_id": personal, "expires_in": 600, "scopes": [user_scope()]}
    response = script.call("POST", "/bc/api/account_server/registration_tokens", body)
    assert response.status_code == 201, response.content
    token = RegistrationToken.objects.get(public_id=response.json()["id"])
    assert token.user == users["globex-admin"]


def test_refusals_answer_in_the_vendors_shape(script, users, tenants):
    script.sign_in_client("globex-admin")
    globex = tenants["globex"]
    path = f"/api/2/tenants/{globex.uuid}/registration_tokens"
    too_long = script.call("POST", path, {"expires_in": ONE_YEAR + 1, "scopes": [user_scope()]})
    assert "expires_in" in vendor_error(too_long, 400)["details"]["errors"]
    unknown = script.call("POST", path, {"expires_in": 600, "scopes": ["urn:acronis.com:x"]})
    assert vendor_error(unknown, 400)["message"].startswith("Unknown scope")
    nobody = script.call(
        "POST", path, {"scopes": [user_scope("00000000-0000-4000-8000-000000000000")]}
    )
    # The vendor's body names the user and the plan by scopes: so do its refusals.
    assert vendor_error(nobody, 400)["details"]["errors"] == {
        "scopes": ["There is no such user in this customer."]
    }
    no_plan = script.call(
        "POST",
        path,
        {
            "scopes": [
                user_scope(users["globex-bob"].personal_tenant_uuid),
                plan_scope(globex, 999999),
            ]
        },
    )
    assert set(vendor_error(no_plan, 400)["details"]["errors"]) == {"scopes"}
    other = f"/api/2/tenants/{tenants['initech'].uuid}/registration_tokens"
    assert vendor_error(script.call("POST", other, {"scopes": [user_scope()]}), 404)
    assert vendor_error(script.call("GET", "/api/2/registration_tokens/not-an-id"), 404)
    assert vendor_error(script.call("GET", "/api/2/no/such/path"), 404)
    assert vendor_error(script.call("PUT", path, {}), 405)
    bad_plan = script.call(
        "POST", path, {"scopes": [user_scope(), plan_scope(tenants["initech"], 1)]}
    )
    assert vendor_error(bad_plan, 400)
    assert not RegistrationToken.objects.filter(
        tenant=globex, created_at__gte=timezone.now() - datetime.timedelta(minutes=1)
    ).exists()


def test_a_user_only_for_themselves_never_at_all_customers(script, users, tenants):
    from rest_framework.test import APIClient

    from tenants.api_clients.services import api_client_create, principal
    from tenants.audit import CLI

    # A user's session (the API clients are administrators'): only their own tokens.
    carol = APIClient()
    carol.force_authenticate(users["initech-carol"])
    path = f"/api/2/tenants/{users['initech-carol'].personal_tenant_uuid}/registration_tokens"
    mine = carol.post(path, {"scopes": [user_scope()]}, format="json")
    assert mine.status_code == 201, mine.content
    admin = users["initech-admin"]
    theirs = carol.post(
        path.replace(
            str(users["initech-carol"].personal_tenant_uuid), str(tenants["initech"].uuid)
        ),
        {"scopes": [user_scope(admin.personal_tenant_uuid)]},
        format="json",
    )
    assert vendor_error(theirs, 403)
    # A partner's client at All customers.
    issued = api_client_create(
        actor=users["msp-admin"],
        tenant=tenants["demo-msp"],
        name="p",
        role="administrator",
        origin=CLI,
    )
    partner = APIClient()
    partner.force_authenticate(principal(issued.client))
    at_partner = partner.post(
        f"/api/2/tenants/{tenants['demo-msp'].uuid}/registration_tokens",
        {"scopes": [user_scope(users["globex-bob"].personal_tenant_uuid)]},
        format="json",
    )
    error = vendor_error(at_partner, 400)
    assert error["message"] == "You cannot generate a token on the All customers level."
