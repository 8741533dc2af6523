"""A registration with a token the process registered with before: one statement that looks
the token up itself (agents/services/registration_known.py).

Every test compares the remembered token with a token the process has never seen, both
changed the same way since: the answer, the audit and the rows must be the same, so what is
remembered (the digest's customer and schema) can only save the lookup, never decide.
"""

import datetime

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.directory.models import DeviceEntry
from agents.models import ProtectionPlan
from agents.services import registration_known
from tenants.audit import CLI
from tenants.models import AuditEvent, Tenant, User
from tests.agents.helpers import register
from tests.factories import make_token
from tokens import renewal, values
from tokens.models import RegistrationToken, UsageDay


@pytest.fixture
def remembered(tenants, users):
    """Alice's token, remembered by the process (it registered `m-first`), and a token of
    hers the process has never seen."""
    token, value = make_token(tenants["globex"], users["globex-alice"])
    assert register(value, machine="m-first").status_code == 201
    assert _known(value)
    fresh_token, fresh_value = make_token(tenants["globex"], users["globex-alice"])
    return {"known": (token, value), "fresh": (fresh_token, fresh_value)}


def _known(value: str) -> bool:
    return values.digest(values.normalize(value)) in registration_known._KNOWN


def _failure_reasons() -> list[str]:
    events = AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_USE_FAILED)
    return sorted(event.details["reason"] for event in events)


def _deactivate(token, tenants, users):
    User.objects.filter(pk=token.user_id).update(is_active=False)


def _delete(token, tenants, users):
    RegistrationToken.objects.filter(pk=token.pk).update(deleted_at=timezone.now())


def _expire(token, tenants, users):
    past = timezone.now() - datetime.timedelta(seconds=1)
    RegistrationToken.objects.filter(pk=token.pk).update(expires_at=past)


def _limit_addresses(token, tenants, users):
    RegistrationToken.objects.filter(pk=token.pk).update(allowed_networks=["192.0.2.0/24"])


def _use_up(token, tenants, users):
    RegistrationToken.objects.filter(pk=token.pk).update(max_machines=1, machines=1)


def _take_the_machine(token, tenants, users):
    """Bob's device has the machine id the next registration sends."""
    _, bobs = make_token(tenants["globex"], users["globex-bob"])
    assert register(bobs, machine="m-next").status_code == 201


# The change, the answer, the failures audited, and whether the token stops being
# remembered (a used-up token is still one the statement can look up: it refuses it).
CHANGES = {
    "user deactivated": (_deactivate, 401, ["user_inactive"], True),
    "token deleted": (_delete, 401, ["deleted"], True),
    "token expired": (_expire, 401, ["expired"], True),
    "address limit added": (_limit_addresses, 403, ["network_refused"], True),
    "used up": (_use_up, 401, ["used_up"], False),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_a_token_changed_since_it_was_remembered_is_refused_as_on_its_first_use(
    change, remembered, tenants, users
):
    act, status, reasons, forgotten = CHANGES[change]
    answers = {}
    for which, (token, value) in remembered.items():
        AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_USE_FAILED).delete()
        act(token, tenants, users)
        response = register(value, machine=f"m-{which}")
        answers[which] = (response.status_code, response.json()["detail"], _failure_reasons())
    assert answers["known"] == answers["fresh"] == (status, answers["fresh"][1], reasons)
    assert _known(remembered["known"][1]) is not forgotten  # forgotten: the usual path


def test_a_machine_taken_by_another_user_is_refused_as_on_a_first_use(
    remembered, tenants, users, django_assert_num_queries
):
    _take_the_machine(None, tenants, users)
    refusals = AuditEvent.objects.filter(action=AuditEvent.Action.DEVICE_REGISTER_REFUSED)
    # The refusal is written by the one statement: no lookup, no second statement.
    with django_assert_num_queries(1):
        assert register(remembered["known"][1], machine="m-next").status_code == 409
    assert register(remembered["fresh"][1], machine="m-next").status_code == 409
    known, fresh = (
        refusals.get(details__token_id=str(remembered[which][0].public_id))
        for which in ("known", "fresh")
    )
    for field in ("actor_id", "actor_name", "on_behalf_of_id", "tenant_id", "family"):
        assert getattr(known, field) == getattr(fresh, field), field
    assert known.object_id == fresh.object_id and known.source == fresh.source
    assert set(known.details) == set(fresh.details)


def _rows_of(agent_id, tenant):
    entry = DeviceEntry.objects.get(agent_id=agent_id)
    event = AuditEvent.objects.get(
        action=AuditEvent.Action.DEVICE_REGISTER, object_id=str(entry.device_id)
    )
    return entry, event


def test_the_answer_and_every_row_written_are_those_of_the_usual_path(
    remembered, tenants, users, django_assert_num_queries
):
    """Everything the statement takes from the token comes from its row as it is now: a
    plan given to the token and a customer renamed since it was remembered show."""
    globex = tenants["globex"]
    with tenant_context(globex):
        plan = ProtectionPlan.objects.get(name="Daily backup")
    for token, _ in remembered.values():
        RegistrationToken.objects.filter(pk=token.pk).update(plan_id=plan.pk, plan_name=plan.name)
    Tenant.objects.filter(pk=globex.pk).update(name="Globex Renamed")
    usage_before = UsageDay.objects.get(tenant=globex).registrations
    with django_assert_num_queries(1):
        known = register(remembered["known"][1], machine="m-known", hostname="h" * 230)
    fresh = register(remembered["fresh"][1], machine="m-fresh", hostname="h" * 230)
    assert known.status_code == fresh.status_code == 201
    body, other = known.json(), fresh.json()
    assert body["plan_available"] == {"id": str(plan.pk), "name": "Daily backup"}
    assert body["tenant"]["name"] == "Globex Renamed"
    for key in ("tenant", "owner", "plan_available"):
        assert body[key] == other[key], key
    assert UsageDay.objects.get(tenant=globex).registrations == usage_before + 2
    (entry, event), (fresh_entry, fresh_event) = (
        _rows_of(answer["agent_id"], globex) for answer in (body, other)
    )
    for field in ("tenant_id", "partner_id", "owner_id", "owner_username", "customer_name"):
        assert getattr(entry, field) == getattr(fresh_entry, field), field
    assert entry.customer_name == "Globex Renamed"
    assert entry.registered_token_id == remembered["known"][0].public_id
    assert entry.registered_token_prefix == remembered["known"][0].prefix
    for field in ("actor_id", "actor_name", "on_behalf_of_id", "tenant_id", "family", "source"):
        assert getattr(event, field) == getattr(fresh_event, field), field
    expected = {
        "token_id": str(remembered["known"][0].public_id),
        "prefix": remembered["known"][0].prefix,
        "machine_id": "m-known",
        "hostname": "h" * 200,
        "with_agent_credential": False,
    }
    assert event.details == expected
    assert fresh_event.details == {
        **expected,
        "machine_id": "m-fresh",
        "token_id": str(remembered["fresh"][0].public_id),
        "prefix": remembered["fresh"][0].prefix,
    }


def test_a_re_registration_with_proof_moves_the_machine_in_one_statement(
    remembered, tenants, users, django_assert_num_queries
):
    """Bob's machine moves to Alice with its current secret as proof: the proof is checked
    by the one statement, and the audit says a credential came with it."""
    _, bobs = make_token(tenants["globex"], users["globex-bob"])
    secret = register(bobs, machine="m-bob").json()["agent_secret"]
    with django_assert_num_queries(1):
        moved = register(remembered["known"][1], machine="m-bob", proof=secret)
    assert moved.status_code == 200
    assert moved.json()["owner"]["username"] == users["globex-alice"].username
    event = AuditEvent.objects.filter(action=AuditEvent.Action.DEVICE_REREGISTER).get()
    assert event.details["with_agent_credential"] is True


def test_only_tokens_needing_no_check_in_python_are_remembered(tenants, users):
    """A token with an address limit is checked in Python on every use, and a replaced
    token's old value says so in its audit: neither is remembered."""
    limited, value = make_token(tenants["globex"], users["globex-alice"])
    RegistrationToken.objects.filter(pk=limited.pk).update(allowed_networks=["10.0.0.0/8"])
    assert register(value, machine="m-limited").status_code == 201
    assert not _known(value)
    old, old_value = make_token(tenants["globex"], users["globex-alice"])
    renewal.token_reissue(actor=users["globex-alice"], token=old, origin=CLI, grace=3600)
    assert register(old_value, machine="m-old").status_code == 201
    assert not _known(old_value)
    event = AuditEvent.objects.get(
        action=AuditEvent.Action.DEVICE_REGISTER, details__machine_id="m-old"
    )
    assert event.details["during_grace"] is True


def test_a_token_replaced_after_it_was_remembered_is_audited_as_a_grace_use(
    remembered, tenants, users
):
    token, value = remembered["known"]
    renewal.token_reissue(actor=users["globex-alice"], token=token, origin=CLI, grace=3600)
    assert register(value, machine="m-grace").status_code == 201
    event = AuditEvent.objects.get(
        action=AuditEvent.Action.DEVICE_REGISTER, details__machine_id="m-grace"
    )
    assert event.details["during_grace"] is True
    assert not _known(value)


def test_a_remembered_customer_that_is_not_the_tokens_any_more_is_forgotten(
    remembered, tenants, users
):
    """What is remembered is checked by the statement: a wrong customer or schema (as a
    reused id would give) finds no token, writes nothing, and the usual path registers."""
    token, value = remembered["known"]
    digest = values.digest(values.normalize(value))
    registration_known._KNOWN[digest] = (tenants["initech"].pk, tenants["initech"].schema_name)
    response = register(value, machine="m-after")
    assert response.status_code == 201
    assert response.json()["tenant"]["id"] == "globex"
    globex = tenants["globex"]
    assert registration_known._KNOWN[digest] == (globex.pk, globex.schema_name)
    assert not DeviceEntry.objects.filter(tenant=tenants["initech"]).exists()


def test_nothing_but_digests_is_remembered(remembered):
    _, value = remembered["known"]
    text = repr(registration_known._KNOWN)
    assert values.normalize(value) not in text and value not in text
