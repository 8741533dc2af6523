"""`/api/2/idp/token`, `/api/2/users/me` and `/api/2/clients` as the vendor's samples call
them, and their refusals in the vendor's error shape."""

import time

from django.conf import settings

from tenants.models import ApiClient, AuditEvent

from .conftest import basic, vendor_error


def test_users_me_with_login_and_password_answers_the_vendors_fields(script, users):
    alice = users["globex-alice"]
    response = script.call(
        "GET", "/api/2/users/me", auth=basic("globex-alice", "demo-test-password")
    )
    assert response.status_code == 200, response.content
    me = response.json()
    assert me["id"] == str(alice.uuid)
    assert me["login"] == "globex-alice"
    assert me["tenant_id"] == str(alice.tenant.uuid)
    assert me["personal_tenant_id"] == str(alice.personal_tenant_uuid)
    assert me["personal_tenant_id"] not in {me["id"], me["tenant_id"]}


def test_every_tenant_and_user_has_a_stable_distinct_uuid(tenants, users):
    tenant_ids = {t.uuid for t in tenants.values()}
    user_ids = [u.uuid for u in users.values()] + [u.personal_tenant_uuid for u in users.values()]
    assert None not in tenant_ids and len(tenant_ids) == len(tenants)
    assert None not in user_ids and len(set(user_ids)) == len(user_ids)
    users["globex-bob"].save()
    users["globex-bob"].refresh_from_db()
    assert users["globex-bob"].uuid == user_ids[list(users).index("globex-bob")]


def test_a_company_admin_creates_a_client_and_gets_a_bearer_token(script, users):
    before = time.time()
    client = script.sign_in_client("globex-admin")
    assert set(client) >= {"client_id", "client_secret", "tenant_id", "type", "data"}
    assert client["type"] == "api_client"
    assert client["tenant_id"] == str(users["globex-admin"].tenant.uuid)
    assert client["data"] == {"client_name": "script of globex-admin"}
    made = ApiClient.objects.get(application__client_id=client["client_id"])
    assert made.role == ApiClient.Role.ADMINISTRATOR and made.created_by == users["globex-admin"]
    assert AuditEvent.objects.filter(action="api_client.create", object_id=str(made.pk)).exists()
    # The access token's answer, and users/me with it: the client's creator.
    issued = script.form(
        "/api/2/idp/token",
        {"grant_type": "client_credentials"},
        auth=basic(client["client_id"], client["client_secret"]),
    ).json()
    assert set(issued) == {"access_token", "token_type", "expires_on"}
    assert issued["token_type"] == "bearer"
    lifetime = settings.OAUTH2_PROVIDER["ACCESS_TOKEN_EXPIRE_SECONDS"]
    assert before + lifetime - 5 <= issued["expires_on"] <= time.time() + lifetime + 5
    me = script.call("GET", "/api/2/users/me", auth="Bearer " + issued["access_token"]).json()
    assert me["login"] == "globex-admin"


def test_v1_clients_get_tokens_here_too(script, users):
    from tenants.api_clients.services import api_client_create
    from tenants.audit import CLI

    issued = api_client_create(
        actor=users["msp-admin"],
        tenant=users["msp-admin"].tenant,
        name="v1 client",
        role="administrator",
        origin=CLI,
    )
    response = script.form(
        "/api/2/idp/token",
        {"grant_type": "client_credentials"},
        auth=basic(issued.client_id, issued.client_secret),
    )
    assert response.status_code == 200, response.content
    # Form fields instead of Basic work as on /api/v1.
    response = script.form(
        "/api/2/idp/token",
        {
            "grant_type": "client_credentials",
            "client_id": issued.client_id,
            "client_secret": issued.client_secret,
        },
    )
    assert response.status_code == 200, response.content


def test_token_endpoint_refusals_are_in_the_vendors_shape(script, users):
    wrong = script.form(
        "/api/2/idp/token", {"grant_type": "client_credentials"}, auth=basic("nobody", "x")
    )
    assert vendor_error(wrong, 401)["code"] == "invalid_client"
    grant = script.form("/api/2/idp/token", {"grant_type": "password"})
    assert vendor_error(grant, 400)["code"] == "unsupported_grant_type"
    as_json = script.call("POST", "/api/2/idp/token", {"grant_type": "client_credentials"})
    assert vendor_error(as_json, 415)["code"] == "UnsupportedMediaType"


def test_a_user_may_not_create_a_client_as_on_the_api_clients_page(script, users):
    alice = basic("globex-alice", "demo-test-password")
    body = {
        "type": "api_client",
        "tenant_id": str(users["globex-alice"].tenant.uuid),
        "token_endpoint_auth_method": "client_secret_basic",
        "data": {"client_name": "mine"},
    }
    assert vendor_error(script.call("POST", "/api/2/clients", body, auth=alice), 403)
    assert not ApiClient.objects.filter(name="mine").exists()


def test_client_creation_refusals(script, users, tenants):
    admin = basic("globex-admin", "demo-test-password")
    good = {
        "type": "api_client",
        "tenant_id": str(tenants["globex"].uuid),
        "data": {"client_name": "x"},
    }
    error = vendor_error(
        script.call("POST", "/api/2/clients", {**good, "type": "agent"}, auth=admin), 400
    )
    assert error["details"]["errors"] == {"type": ['type must be "api_client".']}
    other = {**good, "tenant_id": str(tenants["initech"].uuid)}
    assert vendor_error(script.call("POST", "/api/2/clients", other, auth=admin), 404)
    missing = {**good, "tenant_id": "not-a-uuid"}
    assert vendor_error(script.call("POST", "/api/2/clients", missing, auth=admin), 404)
    no_name = {**good, "data": {}}
    assert vendor_error(script.call("POST", "/api/2/clients", no_name, auth=admin), 400)


def test_basic_with_a_password_only_on_the_two_paths(script, tenants):
    admin = basic("globex-admin", "demo-test-password")
    path = f"/api/2/tenants/{tenants['globex'].uuid}/registration_tokens"
    assert vendor_error(script.call("GET", path, auth=admin), 401)
    assert vendor_error(script.call("GET", path), 401)


def test_wrong_passwords_count_toward_the_sign_in_lockout(script, settings):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        wrong = script.call("GET", "/api/2/users/me", auth=basic("globex-bob", "wrong"))
        assert vendor_error(wrong, 401)["code"] == "Unauthorized"
    # The failure that reaches the limit locks the login at once, as on the sign-in form.
    wrong = script.call("GET", "/api/2/users/me", auth=basic("globex-bob", "wrong"))
    assert vendor_error(wrong, 429)
    # Locked now: even the right password is refused, by the API and by the sign-in form.
    right = script.call("GET", "/api/2/users/me", auth=basic("globex-bob", "demo-test-password"))
    error = vendor_error(right, 429)
    assert error["code"] == "TooManyRequests" and "sign-ins" in error["message"]
    page = script.http.post(
        "/accounts/login/", {"username": "globex-bob", "password": "demo-test-password"}
    )
    assert page.status_code == 429


def test_v1_answers_carry_the_uuids_the_vendor_paths_take(script, users, tenants):
    """The same access token on /api/v1: tenants and users carry the ids /api/2 uses."""
    script.sign_in_client("globex-admin")
    listed = script.call("GET", "/api/v1/tenants").json()["items"]
    assert [(t["id"], t["uuid"]) for t in listed] == [("globex", str(tenants["globex"].uuid))]
    people = script.call("GET", "/api/v1/tenants/globex/users").json()["items"]
    bob = next(u for u in people if u["username"] == "globex-bob")
    assert bob["uuid"] == str(users["globex-bob"].uuid)
    assert bob["personal_tenant_id"] == str(users["globex-bob"].personal_tenant_uuid)
    assert bob["tenant"]["uuid"] == str(tenants["globex"].uuid)
    made = script.call("POST", "/api/v1/tenants/globex/registration_tokens", {"user_id": bob["id"]})
    assert made.json()["user"]["uuid"] == bob["uuid"]
    assert made.json()["tenant"]["uuid"] == str(tenants["globex"].uuid)


def test_plans_and_audit_events_on_v1_carry_the_uuids_too(script, users, tenants):
    """Every /api/v1 answer names its tenant and user by UUID as well: a protection plan's
    tenant, an audit event's acting user, an API client's creator (issue 22: "each /api/v1
    answer carries the tenant's and user's UUID too")."""
    script.sign_in_client("globex-admin")
    plans = script.call("GET", "/api/v1/tenants/globex/protection_plans").json()["items"]
    assert plans and {p["tenant"]["uuid"] for p in plans} == {str(tenants["globex"].uuid)}
    bob = users["globex-bob"]
    made = script.call("POST", "/api/v1/tenants/globex/registration_tokens", {"user_id": bob.pk})
    assert made.status_code == 201, made.content
    register = {"token": made.json()["token"], "hostname": "pc", "os": "linux", "machine_id": "m1"}
    assert script.call("POST", "/api/v1/agents/register", register, auth="").status_code == 201
    events = script.call("GET", "/api/v1/tenants/globex/audit_events?action=device.register")
    actor = events.json()["items"][0]["actor"]
    assert actor == {"id": str(bob.pk), "uuid": str(bob.uuid), "username": "globex-bob"}
    clients = script.call("GET", "/api/v1/tenants/globex/api_clients").json()["items"]
    assert {c["created_by_uuid"] for c in clients} == {str(users["globex-admin"].uuid)}


def test_a_password_alone_is_refused_for_a_user_with_or_owing_a_second_factor(
    script, users, tenants
):
    """HTTP Basic with a password has no second step: a user who has a second factor, or is
    under a level's requirement, is sent to make the client in the Management portal."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tenants.audit import CLI
    from tenants.two_factor_services import requirement_set

    password = basic("globex-admin", "demo-test-password")
    assert script.call("GET", "/api/2/users/me", auth=password).status_code == 200
    device = TOTPDevice.objects.create(user=users["globex-admin"], name="Phone", confirmed=True)
    for method, path in (("GET", "/api/2/users/me"), ("POST", "/api/2/clients")):
        error = vendor_error(script.call(method, path, auth=password), 403)
        assert "Management portal" in error["message"] and "API client" in error["message"]
    assert not ApiClient.objects.filter(created_by=users["globex-admin"]).exists()
    # No factor, but the partner requires one of administrators: refused as well.
    device.delete()
    requirement_set(
        actor=users["msp-admin"], tenant=tenants["demo-msp"], value="admins", origin=CLI
    )
    vendor_error(script.call("GET", "/api/2/users/me", auth=password), 403)
    # A user the requirement does not cover still signs in with a password.
    alice = basic("globex-alice", "demo-test-password")
    assert script.call("GET", "/api/2/users/me", auth=alice).status_code == 200
