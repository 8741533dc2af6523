"""Renewal: Extend (same value, new expiry) and Reissue (new value, same settings)."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tenants.audit import CLI
from tenants.models import AuditEvent
from tests.agents.helpers import devices_url, register
from tests.patterns import TOKEN_RE
from tokens import renewal, services
from tokens.models import RegistrationToken

pytestmark = pytest.mark.django_db


def bobs(tenants, users, **kwargs):
    issued = services.token_create(
        actor=users["globex-admin"],
        tenant=tenants["globex"],
        user_id=users["globex-bob"].pk,
        lifetime=datetime.timedelta(days=1),
        description="HQ rollout",
        max_machines=5,
        allowed_networks=["192.0.2.0/24"],
        origin=CLI,
        **kwargs,
    )
    return issued.token, issued.value


@pytest.mark.parametrize("actor", ["globex-bob", "globex-admin", "msp-admin"])
def test_extend_keeps_the_value_and_sets_the_expiry_from_now(tenants, users, actor):
    token, value = bobs(tenants, users)
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=20)):
        renewal.token_extend(actor=users[actor], token=token, lifetime=7 * 86400, origin=CLI)
        token.refresh_from_db()
        assert token.expires_at - timezone.now() > datetime.timedelta(days=6, hours=23)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3)):
        assert register(value, address="192.0.2.1").status_code == 201
    event = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_EXTEND)
    assert event.actor == users[actor] and "previous_expires_at" in event.details


@pytest.mark.parametrize("actor", ["globex-alice", "globex-auditor"])
def test_another_user_and_a_read_only_admin_cannot_renew(tenants, users, actor):
    token, _ = bobs(tenants, users)
    with pytest.raises(PermissionDenied):
        renewal.token_extend(actor=users[actor], token=token, lifetime=3600, origin=CLI)
    with pytest.raises(PermissionDenied):
        renewal.token_reissue(actor=users[actor], token=token, origin=CLI)
    assert RegistrationToken.objects.active().filter(pk=token.pk).exists()


@pytest.mark.parametrize("lifetime", [59, 366 * 86400])
def test_extend_applies_the_lifetime_rules(tenants, users, lifetime):
    token, _ = bobs(tenants, users)
    with pytest.raises(ValidationError):
        renewal.token_extend(actor=users["globex-bob"], token=token, lifetime=lifetime, origin=CLI)


def test_reissue_makes_a_new_value_with_the_same_settings_and_deletes_the_old(tenants, users):
    token, old_value = bobs(tenants, users)
    issued = renewal.token_reissue(actor=users["globex-admin"], token=token, origin=CLI)
    new = issued.token
    assert issued.value != old_value
    same = ("user", "tenant", "plan_id", "description", "max_machines", "allowed_networks")
    assert [getattr(new, f) for f in same] == [getattr(token, f) for f in same]
    assert new.expires_at - new.created_at == datetime.timedelta(days=1)
    token.refresh_from_db()
    assert token.deleted_at is not None
    assert register(old_value, address="192.0.2.1").status_code == 401
    assert register(issued.value, address="192.0.2.1").status_code == 201
    event = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_REISSUE)
    assert event.details["replaces_token_id"] == str(token.public_id)
    assert old_value not in str(event.details) and issued.value not in str(event.details)


def test_api_extend_and_reissue(tenants, users, api):
    token, _ = bobs(tenants, users)
    client = api("globex-bob")
    base = f"/api/v1/registration_tokens/{token.public_id}"
    extended = client.post(base + "/extend", {"expires_in": 2 * 86400}, format="json")
    assert extended.status_code == 200
    assert extended.json()["id"] == str(token.public_id)
    assert client.post(base + "/extend", {"expires_in": 10}, format="json").status_code == 400
    reissued = client.post(base + "/reissue", format="json")
    assert reissued.status_code == 201 and TOKEN_RE.fullmatch(reissued.json()["token"])
    assert reissued.json()["description"] == "HQ rollout"
    assert reissued["Cache-Control"] == "no-store"
    assert client.post(base + "/reissue", format="json").status_code == 404  # old one gone


@pytest.mark.parametrize("actor,code", [("initech-admin", 404), ("globex-auditor", 403)])
def test_api_renewal_other_tenant_404_read_only_403(tenants, users, api, actor, code):
    token, _ = bobs(tenants, users)
    base = f"/api/v1/registration_tokens/{token.public_id}"
    client = api(actor)
    extend = client.post(base + "/extend", {"expires_in": 2 * 86400}, format="json")
    assert extend.status_code == code
    assert client.post(base + "/reissue", format="json").status_code == code


def test_cli_extend_and_reissue(tenants, users):
    token, _ = bobs(tenants, users)
    out = StringIO()
    call_command("tokens", "extend", str(token.public_id), "--lifetime", "1w", stdout=out)
    assert "Extended token" in out.getvalue()
    call_command("tokens", "reissue", str(token.public_id), stdout=out)
    assert len(TOKEN_RE.findall(out.getvalue())) == 1
    assert RegistrationToken.objects.active().filter(user=users["globex-bob"]).count() == 1


def test_console_extend_and_reissue_from_the_manage_panel(login, tenants, users):
    token, _ = bobs(tenants, users)
    client = login("globex-bob")
    devices = devices_url("globex")
    panel = client.get(devices + f"?pane=tokens&manage={token.public_id}").content.decode()
    assert ">Extend</button>" in panel and ">Reissue</button>" in panel
    kwargs = {"tenant_id": "globex", "token_id": token.public_id}
    assert (
        client.post(reverse("token-extend", kwargs=kwargs), {"lifetime": "604800"}).status_code
        == 302
    )
    token.refresh_from_db()
    assert token.expires_at - timezone.now() > datetime.timedelta(days=6)
    asked = client.post(reverse("token-reissue", kwargs=kwargs))
    assert asked.status_code == 200 and "Reissue this token?" in asked.content.decode()
    confirmed = client.post(reverse("token-reissue", kwargs=kwargs), {"confirm": "yes"})
    assert confirmed.status_code == 303 and confirmed["Cache-Control"] == "no-store"
    reissued = client.get(confirmed["Location"])
    assert reissued["Cache-Control"] == "no-store"
    [value] = set(TOKEN_RE.findall(reissued.content.decode()))
    assert register(value, address="192.0.2.3").status_code == 201


def test_admin_extend_action(login, tenants, users):
    token, _ = bobs(tenants, users)
    client = login("globex-admin")
    client.post(
        reverse("admin:tokens_registrationtoken_changelist"),
        {"action": "extend_own_lifetime", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.expires_at - timezone.now() > datetime.timedelta(hours=23, minutes=59)


def test_openapi_schema_describes_extend_and_reissue(client, users):
    client.force_login(users["globex-admin"])
    paths = client.get("/api/v1/schema?format=json").json()["paths"]
    extend = paths["/api/v1/registration_tokens/{token_id}/extend"]["post"]
    reissue = paths["/api/v1/registration_tokens/{token_id}/reissue"]["post"]
    assert {"200", "400", "403", "404"} <= set(extend["responses"])
    assert {"201", "403", "404"} <= set(reissue["responses"])


# --- Only an active token is renewed ----------------------------------------------------
# The caller holds the token as it was loaded; the services re-check it in their own
# transaction, so a token deleted or expired meanwhile is never revived.


def test_reissuing_a_deleted_token_is_refused_and_issues_nothing(tenants, users):
    token, _ = bobs(tenants, users)
    services.token_delete(actor=users["globex-admin"], token=token, origin=CLI)
    with pytest.raises(ValidationError) as refused:
        renewal.token_reissue(actor=users["globex-admin"], token=token, origin=CLI)
    assert refused.value.messages == [services.MSG_GONE]
    assert RegistrationToken.objects.filter(user=users["globex-bob"]).count() == 1
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_REISSUE).exists()


def test_an_expired_token_is_neither_reissued_nor_extended(tenants, users):
    token, value = bobs(tenants, users)
    with time_machine.travel(token.expires_at + datetime.timedelta(seconds=1)):
        with pytest.raises(ValidationError) as refused:
            renewal.token_reissue(actor=users["globex-admin"], token=token, origin=CLI)
        assert refused.value.messages == [services.MSG_GONE]
        with pytest.raises(ValidationError) as refused:
            renewal.token_extend(
                actor=users["globex-admin"], token=token, lifetime=3600, origin=CLI
            )
        assert refused.value.messages == [services.MSG_GONE]
        assert register(value, address="192.0.2.1").status_code == 401
    stored = RegistrationToken.objects.get(user=users["globex-bob"])
    assert (stored.expires_at, stored.deleted_at) == (token.expires_at, None)
    renewals = (AuditEvent.Action.TOKEN_REISSUE, AuditEvent.Action.TOKEN_EXTEND)
    assert not AuditEvent.objects.filter(action__in=renewals).exists()


def test_extending_a_deleted_token_is_refused(tenants, users):
    token, _ = bobs(tenants, users)
    services.token_delete(actor=users["globex-admin"], token=token, origin=CLI)
    with pytest.raises(ValidationError):
        renewal.token_extend(actor=users["globex-admin"], token=token, lifetime=3600, origin=CLI)
    assert not RegistrationToken.objects.active().filter(user=users["globex-bob"]).exists()
