import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.models import ProtectionPlan
from tenants.audit import CLI
from tenants.models import AuditEvent
from tests.factories import make_token
from tokens import services, values
from tokens.models import RegistrationToken
from tokens.selectors import token_by_value, tokens_active_for


def create(actor, tenant, **kwargs):
    return services.token_create(actor=actor, tenant=tenant, origin=CLI, **kwargs)


def plan_pk(tenant, name):
    with tenant_context(tenant):
        return ProtectionPlan.objects.get(name=name).pk


# --- Who may generate ---------------------------------------------------------------------


def test_user_generates_a_token_for_their_own_account(tenants, users):
    issued = create(users["globex-alice"], tenants["globex"])
    assert issued.token.user == users["globex-alice"]
    assert issued.token.created_by == users["globex-alice"]
    assert issued.token.expires_at - issued.token.created_at == datetime.timedelta(days=3)


def test_user_cannot_generate_a_token_for_another_user(tenants, users):
    with pytest.raises(PermissionDenied):
        create(users["globex-alice"], tenants["globex"], user_id=users["globex-bob"].pk)


def test_user_cannot_bind_a_protection_plan(tenants, users):
    with pytest.raises(PermissionDenied):
        create(
            users["globex-alice"],
            tenants["globex"],
            plan_id=plan_pk(tenants["globex"], "Daily backup"),
        )


def test_company_admin_generates_for_any_user_of_the_tenant_with_a_plan(tenants, users):
    pk = plan_pk(tenants["globex"], "Weekly full image")
    issued = create(
        users["globex-admin"], tenants["globex"], user_id=users["globex-bob"].pk, plan_id=pk
    )
    token = issued.token
    assert (token.user, token.created_by) == (users["globex-bob"], users["globex-admin"])
    assert (token.plan_id, token.plan_name) == (pk, "Weekly full image")


@pytest.mark.parametrize("owner", ["initech-carol", "umbrella-dave", "msp-admin"])
def test_tokens_are_never_issued_for_another_tenants_user_or_a_partner_admin(tenants, users, owner):
    with pytest.raises(ValidationError) as error:
        create(users["globex-admin"], tenants["globex"], user_id=users[owner].pk)
    assert error.value.message_dict == {"user_id": [services.MSG_UNKNOWN_USER]}


def test_plan_of_another_customer_is_unknown(tenants, users):
    initech_plan = plan_pk(tenants["initech"], "Servers nightly")
    globex_ids = []
    with tenant_context(tenants["globex"]):
        globex_ids = list(ProtectionPlan.objects.values_list("pk", flat=True))
    if initech_plan in globex_ids:  # ids may coincide across schemas; pick one that cannot
        initech_plan = max(globex_ids) + 100
    with pytest.raises(ValidationError) as error:
        create(users["globex-admin"], tenants["globex"], plan_id=initech_plan)
    assert error.value.message_dict == {"plan_id": [services.MSG_UNKNOWN_PLAN]}


def test_partner_admin_generates_for_a_user_of_a_selected_customer(tenants, users):
    issued = create(users["msp-admin"], tenants["initech"], user_id=users["initech-carol"].pk)
    assert issued.token.tenant == tenants["initech"]
    assert issued.token.created_by == users["msp-admin"]


def test_generation_is_refused_at_all_customers_with_the_manuals_sentence(tenants, users):
    with pytest.raises(ValidationError) as error:
        create(users["msp-admin"], tenants["demo-msp"], user_id=users["globex-alice"].pk)
    assert error.value.messages == ["You cannot generate a token on the All customers level."]


@pytest.mark.parametrize("username,slug", [("msp-admin", "umbrella"), ("globex-admin", "initech")])
def test_generation_outside_the_scope_is_refused(tenants, users, username, slug):
    with pytest.raises(PermissionDenied):
        create(users[username], tenants[slug])


def test_read_only_admin_cannot_generate_or_delete(tenants, users):
    with pytest.raises(PermissionDenied):
        create(users["globex-auditor"], tenants["globex"], user_id=users["globex-alice"].pk)
    token, _ = make_token(tenants["globex"], users["globex-alice"])
    with pytest.raises(PermissionDenied):
        services.token_delete(actor=users["globex-auditor"], token=token, origin=CLI)


# --- Lifetime and expiry ------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [60, 3600, 365 * 86400])
def test_lifetimes_from_60_seconds_to_a_year_are_accepted(tenants, users, seconds):
    token = create(users["globex-alice"], tenants["globex"], lifetime=seconds).token
    assert (token.expires_at - token.created_at).total_seconds() == seconds


@pytest.mark.parametrize("seconds", [59, 0, -5, 365 * 86400 + 1, "soon"])
def test_lifetimes_outside_the_range_are_rejected(tenants, users, seconds):
    with pytest.raises(ValidationError) as error:
        create(users["globex-alice"], tenants["globex"], lifetime=seconds)
    assert error.value.message_dict == {"expires_in": [services.MSG_LIFETIME]}


def test_expiry_is_enforced_at_use_time_without_any_cleanup(tenants, users):
    _, value = make_token(tenants["globex"], users["globex-alice"], lifetime=120)
    assert token_by_value(value) is not None
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=121)):
        assert token_by_value(value) is None
        assert not tokens_active_for(actor=users["globex-admin"], tenant=tenants["globex"])


def test_deleted_token_stops_working_at_once(tenants, users):
    token, value = make_token(tenants["globex"], users["globex-alice"])
    services.token_delete(actor=users["globex-alice"], token=token, origin=CLI)
    assert token_by_value(value) is None
    assert RegistrationToken.objects.get(pk=token.pk).deleted_at is not None


# --- Deleting -----------------------------------------------------------------------------


def test_user_deletes_only_their_own_tokens(tenants, users):
    bobs, _ = make_token(tenants["globex"], users["globex-bob"])
    with pytest.raises(PermissionDenied):
        services.token_delete(actor=users["globex-alice"], token=bobs, origin=CLI)


@pytest.mark.parametrize("username", ["globex-admin", "msp-admin"])
def test_administrators_delete_any_token_of_their_scope(tenants, users, username):
    token, _ = make_token(tenants["globex"], users["globex-bob"])
    services.token_delete(actor=users[username], token=token, origin=CLI)
    assert not RegistrationToken.objects.active().filter(pk=token.pk).exists()


def test_other_partner_cannot_delete(tenants, users):
    token, _ = make_token(tenants["globex"], users["globex-bob"])
    with pytest.raises(PermissionDenied):
        services.token_delete(actor=users["other-admin"], token=token, origin=CLI)


# --- Storage, audit, lookup ---------------------------------------------------------------


def test_only_a_digest_and_two_symbols_are_stored(tenants, users):
    token, value = make_token(tenants["globex"], users["globex-alice"])
    canonical = values.normalize(value)
    row = RegistrationToken.objects.filter(pk=token.pk).values().get()
    stored = " ".join(str(v) for v in row.values())
    assert canonical not in stored and value not in stored
    assert canonical[2:10] not in stored
    assert row["digest"] == values.digest(canonical)
    assert row["prefix"] == canonical[:2]


def test_generation_and_deletion_are_audited_with_the_prefix_only(tenants, users):
    pk = plan_pk(tenants["globex"], "Daily backup")
    issued = services.token_create(
        actor=users["msp-admin"],
        tenant=tenants["globex"],
        user_id=users["globex-bob"].pk,
        plan_id=pk,
        origin=CLI,
    )
    services.token_delete(actor=users["globex-admin"], token=issued.token, origin=CLI)
    created, deleted = AuditEvent.objects.filter(action__startswith="token.").order_by("at", "id")
    assert (created.action, created.actor, created.on_behalf_of, created.tenant) == (
        "token.create",
        users["msp-admin"],
        users["globex-bob"],
        tenants["globex"],
    )
    assert created.details["prefix"] == issued.token.prefix
    assert created.details["plan"] == "Daily backup"
    assert created.details["token_id"] == str(issued.token.public_id)
    assert (deleted.action, deleted.actor, deleted.source) == (
        "token.delete",
        users["globex-admin"],
        "cli",
    )
    every_event = str(list(AuditEvent.objects.values()))
    assert values.normalize(issued.value)[2:] not in every_event.replace("-", "")


def test_lookup_is_one_query_whatever_the_number_of_tokens(
    tenants, users, django_assert_num_queries
):
    for slug, user in [
        ("globex", "globex-alice"),
        ("initech", "initech-carol"),
        ("umbrella", "umbrella-dave"),
    ]:
        for _ in range(10):
            make_token(tenants[slug], users[user])
    _, value = make_token(tenants["initech"], users["initech-carol"])
    with django_assert_num_queries(1):
        token = token_by_value(value)
    assert token.user.username == "initech-carol" and token.tenant.slug == "initech"


def test_user_sees_only_their_own_tokens_and_admins_see_all(tenants, users):
    make_token(tenants["globex"], users["globex-alice"])
    make_token(tenants["globex"], users["globex-bob"])
    make_token(tenants["initech"], users["initech-carol"])

    def owners(actor, slug):
        return sorted(
            t.user.username for t in tokens_active_for(actor=users[actor], tenant=tenants[slug])
        )

    assert owners("globex-alice", "globex") == ["globex-alice"]
    assert owners("globex-auditor", "globex") == ["globex-alice", "globex-bob"]
    assert owners("msp-admin", "demo-msp") == ["globex-alice", "globex-bob", "initech-carol"]


def test_plan_rename_and_delete_follow_into_bound_tokens(tenants, users):
    from agents.services import plans as plan_services

    token, _ = make_token(
        tenants["globex"], users["globex-bob"], actor=users["globex-admin"], plan="Daily backup"
    )
    with tenant_context(tenants["globex"]):
        plan = ProtectionPlan.objects.get(name="Daily backup")
    plan_services.plan_update(
        actor=users["globex-admin"],
        tenant=tenants["globex"],
        plan=plan,
        data={"name": "Daily files"},
        origin=CLI,
    )
    token.refresh_from_db()
    assert token.plan_name == "Daily files"
    plan_services.plan_delete(
        actor=users["globex-admin"], tenant=tenants["globex"], plan=plan, origin=CLI
    )
    token.refresh_from_db()
    assert (token.plan_id, token.plan_name) == (None, "")


# --- Never for a deactivated user -----------------------------------------------------------


def test_no_token_is_issued_for_a_deactivated_user(tenants, users):
    """Their tokens stop working with the account, so issuing one would only hand out a
    value that revives the day the account is reactivated."""
    bob = users["globex-bob"]
    type(bob).objects.filter(pk=bob.pk).update(is_active=False)
    with pytest.raises(ValidationError) as refused:
        create(users["globex-admin"], tenants["globex"], user_id=bob.pk)
    assert refused.value.message_dict == {"user_id": [services.MSG_UNKNOWN_USER]}
    assert not RegistrationToken.objects.filter(user=bob).exists()


def test_a_deactivated_users_token_is_not_reissued(tenants, users):
    from tokens import renewal

    bob = users["globex-bob"]
    token, _ = make_token(tenants["globex"], bob, actor=users["globex-admin"])
    type(bob).objects.filter(pk=bob.pk).update(is_active=False)
    with pytest.raises(ValidationError) as refused:
        renewal.token_reissue(actor=users["globex-admin"], token=token, origin=CLI)
    assert refused.value.messages == [services.MSG_GONE]
    assert RegistrationToken.objects.filter(user=bob).count() == 1
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_REISSUE).exists()


def test_a_token_is_dead_at_its_exact_expiry_instant(tenants, users):
    """`expires_at` is the first instant the token no longer works, not the last it does."""
    token, value = make_token(tenants["globex"], users["globex-alice"], lifetime=60)
    instant = datetime.timedelta(microseconds=1)
    assert token_by_value(value, now=token.expires_at - instant) is not None
    assert token_by_value(value, now=token.expires_at) is None
