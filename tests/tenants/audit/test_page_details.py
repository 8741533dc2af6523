"""Issue 20 on the Audit log page (the fast tier; tests/browser/test_audit_console.py drives
the same in Chromium): Details says what the API has, a token reads as its two symbols, the
date is the pages' one format, and the User filter finds anyone involved, in any case, with
suggestions from the level's users only."""

import datetime

from django.urls import reverse
from django.utils import translation

from common.datetimes import local_datetime
from tenants.audit.selectors import api_details
from tenants.models import AuditEvent

AT = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)
EXPIRY = datetime.datetime(2026, 11, 23, 9, 30, tzinfo=datetime.UTC)


def audit_url(slug="globex"):
    return reverse("audit", kwargs={"tenant_id": slug})


def token_event(tenant, action, *, actor="globex-admin", on_behalf_of=None, **details):
    return AuditEvent.objects.create(
        at=AT,
        tenant=tenant,
        family=tenant.family,
        actor_name=actor,
        on_behalf_of=on_behalf_of,
        action=action,
        object_type="registrationtoken",
        object_id="1",
        object_repr="CD••-••••-••••-••••-••••-••••-••••",
        source="api",
        details={"token_id": "t", "prefix": "CD", **details},
    )


def body(response) -> str:
    html = response.content.decode()
    return html[html.index("<tbody>") : html.index("</tbody>")]


def test_details_show_what_the_api_has_and_tokens_read_as_two_symbols(login, tenants):
    globex = tenants["globex"]
    events = [
        token_event(globex, "token.create", description="Rollout Berlin"),
        token_event(globex, "token.delete_unregister", machines_unregistered=3),
        token_event(globex, "token.extend", previous_expires_at=EXPIRY.isoformat()),
        token_event(globex, "token.reissue", replaces_prefix="AB", replaces_token_id="x"),
    ]
    for language, cookie in (("en", {}), ("fr", {"django_language": "fr"})):
        client = login("globex-admin")
        client.cookies.load(cookie)
        html = body(client.get(audit_url()))
        with translation.override(language):
            expiry = local_datetime(EXPIRY)
        for needle in ("Rollout Berlin", expiry, "AB••", "3 "):
            assert needle in html, (language, needle)
        assert "•-•" not in html and 'class="col-details">—<' not in html
        assert html.count(">CD••<") == len(events)
    # The same facts the API answers for each event (one description function's input).
    assert api_details(events[1])["machines_unregistered"] == 3


def test_the_date_is_the_pages_one_format_in_each_language(login, tenants):
    token_event(tenants["globex"], "token.create")
    for language in ("en", "de"):
        client = login("globex-admin")
        client.cookies.load({"django_language": language})
        with translation.override(language):
            expected = local_datetime(AT)
        assert f">{expected}</time>" in body(client.get(audit_url()))


def test_user_filter_finds_the_initiator_or_the_user_acted_for_in_any_case(login, tenants, users):
    globex = tenants["globex"]
    bob = users["globex-bob"]
    token_event(globex, "token.use_failed", actor="anonymous", on_behalf_of=bob, reason="deleted")
    token_event(globex, "token.create", actor="globex-bob", description="his own")
    token_event(globex, "token.create", actor="globex-admin", description="alice's")
    response = login("globex-admin").get(audit_url(), {"user": "GLOBEX-Bob"})
    listed = response.context["page"].object_list
    assert {e.action for e in listed} == {"token.use_failed", "token.create"}
    assert all(e.actor_name == "globex-bob" or e.on_behalf_of_id == bob.pk for e in listed)
    assert len(listed) == 2


def test_user_filter_suggests_the_levels_users_only(login, tenants):
    html = login("globex-admin").get(audit_url()).content.decode()
    assert 'list="audit-users"' in html and '<datalist id="audit-users">' in html
    datalist = html[html.index('<datalist id="audit-users">') : html.index("</datalist>")]
    assert '<option value="globex-bob">' in datalist
    assert "initech-" not in datalist and "umbrella-" not in datalist
