"""The knowledge-base script's apply/revoke flow: a registration token as the assertion of
the JWT bearer grant at `/bc/idp/token`, then `/api/policy_management/v4/applications`."""

from django_tenants.utils import tenant_context

from agents.models import Device
from tenants.models import AuditEvent
from tokens import values
from tokens.models import RegistrationToken

from .conftest import vendor_error
from .test_tokens import plan_scope, user_scope, weekly_plan

JWT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
NO_PLAN = "No protection plan can be assigned using this registration token"


def _token(script, users, tenants, *, with_plan: bool) -> str:
    script.sign_in_client("globex-admin")
    globex, bob = tenants["globex"], users["globex-bob"]
    scopes = [user_scope(bob.personal_tenant_uuid)]
    if with_plan:
        scopes.append(plan_scope(globex, weekly_plan(globex)))
    path = f"/api/2/tenants/{globex.uuid}/registration_tokens"
    response = script.call("POST", path, {"expires_in": 3600, "scopes": scopes})
    assert response.status_code == 201, response.content
    return response.json()["token"]


def _register(script, value: str, machine: str) -> str:
    body = {"token": value, "hostname": machine, "os": "linux", "machine_id": machine}
    response = script.call("POST", "/api/v1/agents/register", body, auth="")
    assert response.status_code == 201, response.content
    return response.json()["agent_id"]


def _plans_of(tenant, agent_id: str) -> list[str]:
    with tenant_context(tenant):
        device = Device.objects.get(agent_id=agent_id)
        return [p.name for p in device.plans.all()]


def test_apply_and_revoke_the_tokens_plan(script, users, tenants):
    value = _token(script, users, tenants, with_plan=True)
    agent_id = _register(script, value, "vendor-flow-1")
    issued = script.form("/bc/idp/token", {"grant_type": JWT, "assertion": value})
    assert issued.status_code == 200, issued.content
    answer = issued.json()
    assert answer["token_type"] == "bearer" and answer["expires_on"] > 0
    bearer = "Bearer " + answer["access_token"]
    body = {"context": {"items": [agent_id]}}
    applied = script.call("POST", "/api/policy_management/v4/applications", body, auth=bearer)
    assert applied.status_code == 200, applied.content
    assert _plans_of(tenants["globex"], agent_id) == ["Weekly full image"]
    again = script.call("POST", "/api/policy_management/v4/applications", body, auth=bearer)
    assert again.status_code == 200  # already applied counts as success
    path = f"/api/policy_management/v4/applications?context_id={agent_id}"
    assert script.call("DELETE", path, auth=bearer).status_code == 204
    assert _plans_of(tenants["globex"], agent_id) == []
    actions = AuditEvent.objects.filter(object_repr="vendor-flow-1").values_list(
        "action", flat=True
    )
    assert {"plan.apply", "plan.revoke"} <= set(actions)
    # Deleting the registration token stops its access token at once.
    RegistrationToken.objects.filter(prefix=value[:2]).update(deleted_at="2020-01-01T00:00Z")
    refused = script.call("POST", "/api/policy_management/v4/applications", body, auth=bearer)
    assert vendor_error(refused, 401)["domain"] == "PolicyManagement"


def test_a_token_without_a_plan_answers_the_manuals_sentence(script, users, tenants):
    value = _token(script, users, tenants, with_plan=False)
    agent_id = _register(script, value, "vendor-flow-2")
    access = script.form("/bc/idp/token", {"grant_type": JWT, "assertion": value}).json()
    body = {"context": {"items": [agent_id]}}
    response = script.call(
        "POST",
        "/api/policy_management/v4/applications",
        body,
        auth="Bearer " + access["access_token"],
    )
    assert vendor_error(response, 409)["message"] == NO_PLAN


def test_refusals_of_the_plan_flow(script, users, tenants):
    value = _token(script, users, tenants, with_plan=True)
    typo = ("B" if value[0] != "B" else "C") + value[1:]
    mistyped = script.form("/bc/idp/token", {"grant_type": JWT, "assertion": typo})
    assert vendor_error(mistyped, 400)  # the check character catches a mistyped value
    unknown = script.form("/bc/idp/token", {"grant_type": JWT, "assertion": values.generate()})
    assert vendor_error(unknown, 401)
    access = script.form("/bc/idp/token", {"grant_type": JWT, "assertion": value}).json()
    bearer = "Bearer " + access["access_token"]
    body = {"context": {"items": ["00000000-0000-4000-8000-000000000000"]}}
    missing = script.call("POST", "/api/policy_management/v4/applications", body, auth=bearer)
    assert vendor_error(missing, 404)
    forged = script.call("POST", "/api/policy_management/v4/applications", body, auth=bearer + "x")
    assert vendor_error(forged, 401)
    # A machine of another user of the customer: the agent API's rule, 403.
    from tests.factories import make_device

    other = make_device(tenants["globex"], users["globex-alice"], hostname="alice-pc")
    from tokens.models import AgentCredential

    AgentCredential.objects.create(
        tenant=tenants["globex"],
        device_id=other.pk,
        agent_id=other.agent_id,
        secret_digest="x" * 64,
    )
    theirs = {"context": {"items": [str(other.agent_id)]}}
    refused = script.call("POST", "/api/policy_management/v4/applications", theirs, auth=bearer)
    assert (
        vendor_error(refused, 403)["message"] == "This registration token belongs to another user."
    )


def test_wrong_assertions_are_throttled_like_registrations(script, settings):
    """The JWT bearer grant looks a registration token up: failures count per address, and
    past the limit the answer is 429 with Retry-After, in the vendor's shape."""
    for _ in range(settings.AGENT_TOKEN_FAILURE_LIMIT):
        wrong = script.form("/bc/idp/token", {"grant_type": JWT, "assertion": values.generate()})
        assert vendor_error(wrong, 401)
    blocked = script.form("/bc/idp/token", {"grant_type": JWT, "assertion": values.generate()})
    assert vendor_error(blocked, 429)["code"] == "TooManyRequests"
    assert int(blocked["Retry-After"]) > 0


def test_an_unknown_agent_among_several_changes_nothing(script, users, tenants):
    value = _token(script, users, tenants, with_plan=True)
    agent_id = _register(script, value, "vendor-flow-3")
    access = script.form("/bc/idp/token", {"grant_type": JWT, "assertion": value}).json()
    unknown = "00000000-0000-4000-8000-000000000000"
    response = script.call(
        "POST",
        "/api/policy_management/v4/applications",
        {"context": {"items": [agent_id, unknown]}},
        auth="Bearer " + access["access_token"],
    )
    assert unknown in vendor_error(response, 404)["message"]
    assert _plans_of(tenants["globex"], agent_id) == []
