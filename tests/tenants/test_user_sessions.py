"""Signed-in sessions (issue 21, item 3): a user sees theirs (browser, address, last seen)
and signs out of the others; a new password or an administrator ends them."""

import re

from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from common.datetimes import local_datetime
from tenants.account_models import UserSession
from tenants.models import AuditEvent
from tests.conftest import DEMO_PASSWORD

CONSOLE = reverse_lazy("devices", kwargs={"tenant_id": "globex"})


def sign_in(username: str, agent: str = "TestBrowser/1.0") -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


def signed_out(client: Client) -> bool:
    response = client.get(CONSOLE)
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_user_sees_their_sessions_and_signs_out_of_the_others(users):
    laptop = sign_in("globex-alice", "Laptop browser")
    phone = sign_in("globex-alice", "Phone browser")
    assert laptop.get(CONSOLE).status_code == 200
    page = laptop.get(reverse("account-security")).content.decode()
    assert "Laptop browser" in page and "Phone browser" in page and "127.0.0.1" in page
    assert "This session" in page
    assert UserSession.objects.filter(user=users["globex-alice"]).count() == 2
    response = laptop.post(reverse("sessions-end-others"))
    assert response.status_code == 302
    assert signed_out(phone)
    assert not signed_out(laptop)
    assert UserSession.objects.filter(user=users["globex-alice"]).count() == 1


def test_last_seen_is_in_the_pages_one_date_format(users):
    """Issue 20 item 12 gave the pages one date format (common.datetimes); the sessions
    table keeps it, in the page's language, rather than a second, ISO one."""
    laptop = sign_in("globex-alice", "Laptop browser")
    laptop.cookies.load({"django_language": "de"})
    record = UserSession.objects.get(user_agent="Laptop browser")
    page = laptop.get(reverse("account-security")).content.decode()
    with translation.override("de"):
        shown = local_datetime(UserSession.objects.get(pk=record.pk).last_seen_at)
    assert shown in page
    assert not re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}<", page)


def test_the_user_signs_out_one_session(users):
    laptop = sign_in("globex-alice", "Laptop browser")
    phone = sign_in("globex-alice", "Phone browser")
    record = UserSession.objects.get(user_agent="Phone browser")
    laptop.post(reverse("session-end", kwargs={"session_id": record.pk}))
    assert signed_out(phone) and not signed_out(laptop)
    # Someone else's session is not theirs to end.
    other = sign_in("globex-bob")
    theirs = UserSession.objects.get(user=users["globex-bob"])
    laptop.post(reverse("session-end", kwargs={"session_id": theirs.pk}))
    assert not signed_out(other)


def test_a_password_reset_ends_every_session(users):
    alice = users["globex-alice"]
    session = sign_in("globex-alice")
    assert not signed_out(session)
    alice.refresh_from_db()  # the token covers the last sign-in
    uid = urlsafe_base64_encode(force_bytes(alice.pk))
    token = default_token_generator.make_token(alice)
    reset = Client()
    response = reset.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    new = "A-new-password-77"
    reset.post(response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    alice.refresh_from_db()
    assert alice.check_password(new)
    assert signed_out(session)
    assert not UserSession.objects.filter(user=alice).exists()


def test_an_administrator_signs_a_user_out_everywhere(users, login):
    session = sign_in("globex-alice")
    admin = login("globex-admin")
    target = reverse(
        "user-sign-out", kwargs={"tenant_id": "globex", "user_id": users["globex-alice"].pk}
    )
    assert admin.get(target).status_code == 200
    assert admin.post(target).status_code == 302
    assert signed_out(session)
    event = AuditEvent.objects.get(action=AuditEvent.Action.SESSIONS_END)
    assert event.actor == users["globex-admin"] and event.details == {"sessions": 1}
    # A read-only administrator may not.
    again = sign_in("globex-alice")
    assert login("globex-auditor").post(target).status_code == 403
    assert not signed_out(again)


def test_adding_a_second_factor_ends_the_other_sessions(users):
    import base64

    import pyotp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    laptop = sign_in("globex-alice", "Laptop browser")
    other = sign_in("globex-alice", "Somebody else's browser")
    laptop.get(reverse("two-factor-enrol"))
    device = TOTPDevice.objects.get(user=users["globex-alice"], confirmed=False)
    code = pyotp.TOTP(base64.b32encode(device.bin_key).decode()).now()
    assert laptop.post(reverse("two-factor-enrol"), {"code": code}).status_code == 200
    assert signed_out(other)
    assert not signed_out(laptop)
    # The enrolling session's record followed its new key.
    assert list(UserSession.objects.filter(user=users["globex-alice"])) == [
        UserSession.objects.get(session_key=laptop.session.session_key)
    ]
