"""POST /api/v1/agents/me/plan/apply and /revoke: the token's protection plan."""

from django_tenants.utils import tenant_context

from agents.models import ProtectionPlan
from agents.services.registration import MSG_NO_PLAN
from tenants.audit import CLI
from tenants.models import AuditEvent
from tests.agents.helpers import plans_of, register, unknown_but_well_formed
from tests.factories import make_token
from tokens import services, values
from tokens.models import RegistrationToken


def test_apply_and_revoke_the_tokens_plan_idempotently(registered, tenants):
    value, client = registered
    for _ in range(2):
        response = client.post("/api/v1/agents/me/plan/apply", {"token": value}, format="json")
        assert response.status_code == 200
        assert plans_of(tenants) == ["Daily backup"]
    assert [p["name"] for p in client.get("/api/v1/agents/me").json()["plans"]] == ["Daily backup"]
    for _ in range(2):
        assert (
            client.post(
                "/api/v1/agents/me/plan/revoke", {"token": value}, format="json"
            ).status_code
            == 200
        )
        assert plans_of(tenants) == []
    actions = list(
        AuditEvent.objects.filter(action__startswith="plan.").values_list("action", flat=True)
    )
    assert sorted(actions) == ["plan.apply", "plan.apply", "plan.revoke", "plan.revoke"]


def test_token_without_a_plan_answers_409_with_the_vendors_message(registered, tenants, users):
    _, client = registered
    _, plain = make_token(tenants["globex"], users["globex-alice"])
    response = client.post("/api/v1/agents/me/plan/apply", {"token": plain}, format="json")
    assert response.status_code == 409
    assert (
        response.json()["detail"]
        == MSG_NO_PLAN
        == "No protection plan can be assigned using this registration token"
    )


def test_token_of_another_tenant_answers_403(registered, tenants, users):
    _, client = registered
    _, initech = make_token(
        tenants["initech"],
        users["initech-carol"],
        actor=users["initech-admin"],
        plan="Servers nightly",
    )
    assert (
        client.post("/api/v1/agents/me/plan/apply", {"token": initech}, format="json").status_code
        == 403
    )


def test_unknown_or_deleted_token_answers_401_for_plans(registered, tenants, users):
    value, client = registered
    assert (
        client.post(
            "/api/v1/agents/me/plan/apply", {"token": unknown_but_well_formed()}, format="json"
        ).status_code
        == 401
    )
    token = RegistrationToken.objects.get(digest=values.digest(values.normalize(value)))
    services.token_delete(actor=users["globex-admin"], token=token, origin=CLI)
    assert (
        client.post("/api/v1/agents/me/plan/revoke", {"token": value}, format="json").status_code
        == 401
    )


def test_deleting_the_token_leaves_registered_machines_working(registered, tenants, users):
    value, client = registered
    token = RegistrationToken.objects.get(digest=values.digest(values.normalize(value)))
    services.token_delete(actor=users["globex-admin"], token=token, origin=CLI)
    assert register(value, machine="another").status_code == 401
    assert client.get("/api/v1/agents/me").status_code == 200


def test_a_deleted_plan_is_no_longer_offered(registered, tenants, users):
    from agents.services import plans as plan_services

    value, client = registered
    with tenant_context(tenants["globex"]):
        plan = ProtectionPlan.objects.get(name="Daily backup")
    plan_services.plan_delete(
        actor=users["globex-admin"], tenant=tenants["globex"], plan=plan, origin=CLI
    )
    assert (
        client.post("/api/v1/agents/me/plan/apply", {"token": value}, format="json").status_code
        == 409
    )
