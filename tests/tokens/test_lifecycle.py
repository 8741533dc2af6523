"""Issue 20 items 1, 2, 4 and 11: used-up tokens stay listed and counted, Reissue with a
grace period, Extend never shortens, Usage counts every failure the audit log shows."""

import datetime
import re
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tenants.audit import CLI
from tenants.models import AuditEvent
from tests.agents.helpers import agent, devices_url, register
from tests.factories import error_body
from tests.patterns import TOKEN_RE
from tokens import renewal, selectors, services
from tokens.models import RegistrationToken
from tokens.throttling import MSG_INVALID_TOKEN, MSG_USED_UP_TOKEN
from tokens.usage import usage_by_day

pytestmark = pytest.mark.django_db

DAY = 86400


def bobs(tenants, users, *, lifetime=DAY, plan=None, **kwargs):
    plan_id = None
    if plan:
        from django_tenants.utils import tenant_context

        from agents.models import ProtectionPlan

        with tenant_context(tenants["globex"]):
            plan_id = ProtectionPlan.objects.get(name=plan).pk
    issued = services.token_create(
        actor=users["globex-admin"],
        tenant=tenants["globex"],
        user_id=users["globex-bob"].pk,
        lifetime=lifetime,
        plan_id=plan_id,
        origin=CLI,
        **kwargs,
    )
    return issued.token, issued.value


def listed_ids(users, tenants):
    tokens = selectors.tokens_active_for(actor=users["globex-admin"], tenant=tenants["globex"])
    return {t.public_id for t in tokens}


# --- Item 1: a used-up token stays listed, marked, with every action -----------------------


def test_used_up_mark_is_in_the_list_markup_word_for_word(login, tenants, users):
    """The issue's literal "Used up (2 of 2 machines)" is in the list's HTML as one string
    (the link's accessible name), not only once the tags are stripped: the cell shows it on
    two lines, and a check of the page source or of the link's name finds it as written."""
    token, value = bobs(tenants, users, max_machines=2)
    assert register(value, machine="m-1").status_code == 201
    assert register(value, machine="m-2").status_code == 201
    pane = login("globex-admin").get(devices_url("globex", pane="tokens")).content.decode()
    assert 'aria-label="Used up (2 of 2 machines)"' in pane
    assert "Used up (2 of 2 machines)" in pane


def test_used_up_token_is_listed_marked_counted_and_deletable_everywhere(
    login, tenants, users, api
):
    token, value = bobs(tenants, users, max_machines=2, description="Two-seat rollout")
    other, _ = bobs(tenants, users)
    assert register(value, machine="m-1").status_code == 201
    assert register(value, machine="m-2").status_code == 201
    # Console list: still there, marked.
    client = login("globex-admin")
    pane = client.get(devices_url("globex", pane="tokens")).content.decode()
    text = re.sub(r"<[^>]+>", "", pane)  # the words as read, across the cell's two lines
    assert "Used up (2 of 2 machines)" in text and "Two-seat rollout" in text
    # Its Manage panel has every action.
    panel = client.get(devices_url("globex", pane="tokens", manage=token.public_id))
    html = panel.content.decode()
    for action in ("Save description", "Extend", "Reissue", "Delete and unregister its machines"):
        assert f">{action}</button>" in html, action
    # API list and the Django admin.
    items = api("globex-admin").get("/api/v1/tenants/globex/registration_tokens").json()
    assert str(token.public_id) in {t["id"] for t in items["items"]}
    admin = client.get(reverse("admin:tokens_registrationtoken_changelist")).content.decode()
    assert "Used up (2 of 2 machines)" in admin
    # Monitoring > Usage counts what the list shows.
    listed = listed_ids(users, tenants)
    assert {token.public_id, other.public_id} <= listed
    assert selectors.active_token_counts([tenants["globex"]])[tenants["globex"].pk] == len(listed)
    usage = client.get(reverse("usage", kwargs={"tenant_id": "globex"}))
    assert usage.context["rows"][0]["active_tokens"] == len(listed)
    # And it can be deleted with its machines.
    leak = reverse("token-leak", kwargs={"tenant_id": "globex", "token_id": token.public_id})
    assert client.post(leak, {"confirm": "yes"}).status_code == 302
    assert token.public_id not in listed_ids(users, tenants)


def test_register_answer_says_the_token_is_used_up(tenants, users):
    _, value = bobs(tenants, users, max_machines=1)
    register(value, machine="m-1")
    refused = register(value, machine="m-2")
    assert (refused.status_code, error_body(refused)) == (401, {"detail": MSG_USED_UP_TOKEN})
    assert MSG_USED_UP_TOKEN != MSG_INVALID_TOKEN


def test_used_up_token_still_applies_and_revokes_its_plan_on_its_machines(tenants, users):
    """Decision: a machine registered with the token keeps using it for its plan."""
    _, value = bobs(tenants, users, max_machines=1, plan="Daily backup")
    client = agent(register(value, machine="m-1").json()["agent_secret"])
    for step in ("apply", "revoke"):
        answer = client.post(f"/api/v1/agents/me/plan/{step}", {"token": value}, format="json")
        assert answer.status_code == 200, step


# --- Item 2: Reissue asks, redirects, and may keep the old value for a grace period --------


def test_reissue_with_grace_keeps_the_old_value_until_it_ends(tenants, users):
    token, old_value = bobs(tenants, users, lifetime=7 * DAY, max_machines=5)
    issued = renewal.token_reissue(actor=users["globex-admin"], token=token, origin=CLI, grace=3600)
    token.refresh_from_db()
    assert token.replaced_by_id == issued.token.pk and token.deleted_at is None
    assert abs((token.works_until - timezone.now()).total_seconds() - 3600) < 60
    # Listed (and counted) as replaced until then.
    assert {token.public_id, issued.token.public_id} <= listed_ids(users, tenants)
    event = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_REISSUE)
    assert event.details["grace_seconds"] == 3600
    assert event.details["old_works_until"] == token.works_until.isoformat()
    # The old value works, and its use is audited as a use during the grace period.
    assert register(old_value, machine="m-1", address="10.0.0.1").status_code == 201
    use = AuditEvent.objects.get(action=AuditEvent.Action.DEVICE_REGISTER)
    assert use.details["during_grace"] is True
    assert use.details["works_until"] == token.works_until.isoformat()
    assert use.details["token_id"] == str(token.public_id)
    # A replaced token is neither extended nor reissued again.
    for renew in (
        lambda: renewal.token_extend(
            actor=users["globex-admin"], token=token, lifetime=30 * DAY, origin=CLI
        ),
        lambda: renewal.token_reissue(actor=users["globex-admin"], token=token, origin=CLI),
    ):
        with pytest.raises(ValidationError) as refused:
            renew()
        assert refused.value.messages == [renewal.MSG_REPLACED]
    # After the grace period, the old value is dead and no longer listed; the new one works.
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1, minutes=1)):
        assert register(old_value, machine="m-2", address="10.0.0.2").status_code == 401
        assert token.public_id not in listed_ids(users, tenants)
        assert register(issued.value, machine="m-3", address="10.0.0.3").status_code == 201


def test_grace_never_outlives_the_old_tokens_own_expiry(tenants, users):
    token, _ = bobs(tenants, users, lifetime=3600)
    renewal.token_reissue(actor=users["globex-admin"], token=token, origin=CLI, grace=7 * DAY)
    expires = token.expires_at
    token.refresh_from_db()
    assert token.works_until == expires


@pytest.mark.parametrize("grace", [-1, 7 * DAY + 1, "soon"])
def test_a_grace_outside_0_to_7_days_is_refused(tenants, users, api, grace):
    token, _ = bobs(tenants, users)
    with pytest.raises(ValidationError):
        renewal.token_reissue(actor=users["globex-admin"], token=token, origin=CLI, grace=grace)
    url = f"/api/v1/registration_tokens/{token.public_id}/reissue"
    answer = api("globex-admin").post(url, {"grace": grace}, format="json")
    assert answer.status_code == 400 and "grace" in str(answer.json()["errors"])
    assert RegistrationToken.objects.filter(user=users["globex-bob"]).count() == 1


def test_api_reissue_with_grace(tenants, users, api):
    token, old_value = bobs(tenants, users)
    client = api("globex-admin")
    url = f"/api/v1/registration_tokens/{token.public_id}/reissue"
    answer = client.post(url, {"grace": 86400}, format="json")
    assert answer.status_code == 201 and TOKEN_RE.fullmatch(answer.json()["token"])
    items = client.get("/api/v1/tenants/globex/registration_tokens").json()["items"]
    [old] = [t for t in items if t["id"] == str(token.public_id)]
    assert old["replaced_by"] == answer.json()["id"] and old["works_until"]
    assert register(old_value).status_code == 201


def test_cli_reissue_with_grace(tenants, users):
    token, old_value = bobs(tenants, users)
    out = StringIO()
    call_command("tokens", "reissue", str(token.public_id), "--grace", "1d", stdout=out)
    assert "The old value works until" in out.getvalue()
    call_command("tokens", "list", "--tenant", "globex", stdout=out)
    assert "replaced, works until" in out.getvalue()
    assert register(old_value).status_code == 201


def test_console_reissue_asks_first_then_redirects_and_a_reload_is_harmless(login, tenants, users):
    token, old_value = bobs(tenants, users, plan="Daily backup")
    client = login("globex-admin")
    url = reverse("token-reissue", kwargs={"tenant_id": "globex", "token_id": token.public_id})
    asked = client.post(url)
    html = asked.content.decode()
    assert asked.status_code == 200 and "Reissue this token?" in html
    assert 'name="grace"' in html and not TOKEN_RE.search(html)
    # The grace periods as the issue names them: none, 1 hour, 1 day, 7 days.
    options = re.findall(r'<option value="(\d+)">([^<]+)</option>', html.split('name="grace"')[1])
    graces = [("0", "None"), ("3600", "1 hour"), ("86400", "1 day"), ("604800", "7 days")]
    assert options[:4] == graces
    assert RegistrationToken.objects.filter(user=users["globex-bob"]).count() == 1  # nothing yet
    done = client.post(url, {"confirm": "yes", "grace": "86400"})
    assert done.status_code == 303 and done["Cache-Control"] == "no-store"
    shown = client.get(done["Location"])
    page = shown.content.decode()
    [value] = set(TOKEN_RE.findall(page))
    assert shown["Cache-Control"] == "no-store"
    assert "protection_plan.py" in page and "register_agent.py" in page  # the commands
    assert f"The old value ({token.prefix}••" in page and "keeps working until" in page
    again = client.get(done["Location"])  # a reload: no 404, no value, and says why
    assert again.status_code == 200 and not TOKEN_RE.search(again.content.decode())
    assert "shown only once" in again.content.decode()
    assert register(value, machine="m-new").status_code == 201
    assert register(old_value, machine="m-old", address="10.0.0.9").status_code == 201


# --- Item 4: Extend never shortens, says the new expiry, offers the token's own lifetime --


def test_extend_never_moves_the_expiry_earlier(tenants, users):
    token, _ = bobs(tenants, users, lifetime=365 * DAY)
    expires = token.expires_at
    with pytest.raises(ValidationError) as refused:
        renewal.token_extend(actor=users["globex-admin"], token=token, lifetime=3 * DAY, origin=CLI)
    assert refused.value.messages == [renewal.MSG_SHORTER]
    token.refresh_from_db()
    assert token.expires_at == expires
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_EXTEND).exists()


def test_console_extend_offers_the_own_lifetime_and_says_the_new_expiry(login, tenants, users):
    token, _ = bobs(tenants, users, lifetime=365 * DAY)
    client = login("globex-admin")
    panel = client.get(devices_url("globex", pane="tokens", manage=token.public_id))
    assert '<option value="31536000" selected>' in panel.content.decode()
    assert '<option value="259200" selected>' not in panel.content.decode()
    url = reverse("token-extend", kwargs={"tenant_id": "globex", "token_id": token.public_id})
    refused = client.post(url, {"lifetime": "259200"})
    assert refused.status_code == 400
    assert "never moves the expiry earlier" in refused.content.decode()
    done = client.post(url, {"lifetime": "31536000"}, follow=True)
    token.refresh_from_db()
    text = done.content.decode()
    assert "The token was extended: it now expires on" in text
    assert str(token.expires_at.year) in text.split("it now expires on", 1)[1][:80]


def test_extend_refuses_a_deactivated_users_token(tenants, users):
    token, _ = bobs(tenants, users)
    users["globex-bob"].is_active = False
    users["globex-bob"].save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as refused:
        renewal.token_extend(actor=users["globex-admin"], token=token, lifetime=7 * DAY, origin=CLI)
    assert refused.value.messages == [services.MSG_GONE]
    assert RegistrationToken.objects.get(pk=token.pk).expires_at == token.expires_at


# --- Item 11: Usage counts the failures the audit log shows -----------------------------


def test_usage_counts_network_refused_failures_like_the_audit_log(tenants, users):
    _, value = bobs(tenants, users, allowed_networks=["192.0.2.0/24"])
    for n in range(3):
        assert register(value, machine=f"m-{n}", address="198.51.100.7").status_code == 403
    failed = AuditEvent.objects.filter(
        action=AuditEvent.Action.TOKEN_USE_FAILED, tenant=tenants["globex"]
    )
    audited = sum(e.count for e in failed)
    assert audited == 3
    assert usage_by_day(tenants["globex"])[-1].failures == audited
