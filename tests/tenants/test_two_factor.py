"""Two-factor sign-in (issue 21, items 1 and 2): the second step after the password, TOTP
enrolment, recovery codes, an administrator's reset, and a level's requirement."""

import base64
import re

import pyotp
import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenants.audit import CLI
from tenants.models import AuditEvent, User
from tenants.two_factor import requires_or_has_second_factor
from tenants.two_factor_services import recovery_codes_renew, requirement_set
from tests.conftest import DEMO_PASSWORD


def url(name, slug, **kwargs):
    return reverse(name, kwargs={"tenant_id": slug, **kwargs})


def sign_in(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def totp_for(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def code_of(device: TOTPDevice) -> str:
    """The code an authenticator app shows now, computed by the test (pyotp)."""
    device.refresh_from_db()
    return pyotp.TOTP(_b32(device)).now()


def _b32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode()


def verified_sign_in(user: User) -> Client:
    """Signed in with the password and an authenticator app's code."""
    device = totp_for(user)
    client = sign_in(user.username)
    assert client.post(reverse("two-factor-verify"), {"code": code_of(device)}).status_code == 302
    return client


def test_password_alone_reaches_nothing_when_the_user_has_a_second_factor(users):
    device = totp_for(users["globex-alice"])
    client = sign_in("globex-alice")
    console = url("devices", "globex")
    response = client.get(console)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two-factor-verify"))
    # The API signed in by session is refused as well, and so is the admin.
    assert client.get("/api/v1/tenants/globex/devices").status_code == 403
    assert client.get(reverse("admin:index")).status_code == 302
    # A wrong code is refused; the app's current code lets the user in.
    wrong = client.post(reverse("two-factor-verify"), {"code": "000000", "next": console})
    assert wrong.status_code == 200 and "not valid" in wrong.content.decode()
    device.throttle_reset()
    response = client.post(reverse("two-factor-verify"), {"code": code_of(device), "next": console})
    assert response.status_code == 302 and response["Location"] == console
    assert client.get(console).status_code == 200


def test_a_recovery_code_signs_in_once(users):
    alice = users["globex-alice"]
    totp_for(alice)
    codes = recovery_codes_renew(user=alice)
    assert len(codes) == 10 and len(set(codes)) == 10
    client = sign_in("globex-alice")
    response = client.post(reverse("two-factor-verify"), {"code": codes[0]})
    assert response.status_code == 302
    assert client.get(url("devices", "globex")).status_code == 200
    # Stored as digests only, and the used one is gone.
    stored = alice.recoverycodes_set.get().digests
    assert len(stored) == 9 and not any(c.replace("-", "") in str(stored) for c in codes)
    again = sign_in("globex-alice")
    response = again.post(reverse("two-factor-verify"), {"code": codes[0]})
    assert response.status_code == 200
    assert again.get(url("devices", "globex")).status_code == 302


def test_enrolling_an_authenticator_app_shows_the_key_and_recovery_codes(users):
    client = sign_in("globex-alice")
    page = client.get(reverse("two-factor-enrol"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "data:image/svg+xml" in body  # the QR code, as an image (no inline script/style)
    device = TOTPDevice.objects.get(user=users["globex-alice"], confirmed=False)
    assert _b32(device).rstrip("=")[:8] in body.replace(" ", "")
    response = client.post(reverse("two-factor-enrol"), {"code": code_of(device)})
    assert response.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", response.content.decode())
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.TWO_FACTOR_ENROL, object_id=str(users["globex-alice"].pk)
    ).exists()
    # The session that enrolled is verified; the security page lists the app.
    security = client.get(reverse("account-security")).content.decode()
    assert "Authenticator app" in security and "10 recovery codes left" in security


def test_rename_and_remove_a_second_factor(users):
    device = totp_for(users["globex-alice"])
    client = sign_in("globex-alice")
    client.post(reverse("two-factor-verify"), {"code": code_of(device)})
    rename = reverse("factor-rename", kwargs={"kind": "totp", "device_id": device.pk})
    assert client.post(rename, {"name": "Work phone"}).status_code == 302
    assert "Work phone" in client.get(reverse("account-security")).content.decode()
    remove = reverse("factor-remove", kwargs={"kind": "totp", "device_id": device.pk})
    assert client.post(remove).status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    # Another user's factor is not found.
    other = totp_for(users["globex-admin"])
    theirs = reverse("factor-remove", kwargs={"kind": "totp", "device_id": other.pk})
    assert client.post(theirs).status_code == 404


def test_an_administrator_resets_a_lost_phone(users, login):
    alice = users["globex-alice"]
    phone_session = verified_sign_in(alice)  # the second step gave the session a new key
    recovery_codes = recovery_codes_renew(user=alice)
    assert recovery_codes
    admin = login("globex-admin")
    users_page = admin.get(url("users", "globex")).content.decode()
    assert 'data-two-factor="globex-alice">Enrolled' in users_page
    reset = url("user-two-factor-reset", "globex", user_id=alice.pk)
    assert admin.get(reset).status_code == 200
    assert admin.post(reset).status_code == 302
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert not alice.recoverycodes_set.exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.TWO_FACTOR_RESET)
    assert event.actor == users["globex-admin"] and event.object_id == str(alice.pk)
    # Every session of the user ended; the next sign-in is by password alone.
    assert phone_session.get(url("devices", "globex"))["Location"].startswith("/accounts/login/")
    assert sign_in("globex-alice").get(url("devices", "globex")).status_code == 200


def test_a_user_may_not_reset_someone_else_or_another_customers_user(users, login):
    alice = users["globex-alice"]
    totp_for(alice)
    reset = url("user-two-factor-reset", "globex", user_id=alice.pk)
    assert login("globex-auditor").post(reset).status_code == 403
    other = User.objects.exclude(tenant__slug="globex").filter(role="company_admin").first()
    assert (
        login("globex-admin")
        .post(url("user-two-factor-reset", "globex", user_id=other.pk))
        .status_code
        == 404
    )
    assert TOTPDevice.objects.filter(user=alice).exists()


def test_a_partner_requirement_takes_a_customer_user_to_enrolment(users):
    admin = verified_sign_in(users["msp-admin"])
    page = admin.get(url("two-factor-requirement", "demo-msp")).content.decode()
    assert "Require two-factor sign-in for everyone at this level and below" in page
    response = admin.post(url("two-factor-requirement", "demo-msp"), {"requirement": "everyone"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TWO_FACTOR_REQUIREMENT).exists()
    client = sign_in("globex-alice")
    for path in (url("devices", "globex"), reverse("account-security"), "/admin/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("two-factor-enrol"))
    assert client.get("/api/v1/tenants/globex/devices").status_code == 403
    assert client.get(reverse("two-factor-enrol")).status_code == 200
    device = TOTPDevice.objects.get(user=users["globex-alice"], confirmed=False)
    client.post(reverse("two-factor-enrol"), {"code": code_of(device)})
    assert client.get(url("devices", "globex")).status_code == 200
    # The users list shows who has enrolled.
    listing = admin.get(url("users", "globex")).content.decode()
    assert 'data-two-factor="globex-alice">Enrolled' in listing
    assert 'data-two-factor="globex-admin">Not enrolled' in listing


def test_a_customer_adds_a_requirement_but_never_loosens_its_partners(users, tenants):
    requirement_set(
        actor=users["msp-admin"], tenant=tenants["demo-msp"], value="admins", origin=CLI
    )
    admin = verified_sign_in(users["globex-admin"])
    response = admin.post(url("two-factor-requirement", "globex"), {"requirement": ""})
    assert response.status_code == 200
    assert "cannot loosen" in response.content.decode()
    tenants["globex"].refresh_from_db()
    assert tenants["globex"].two_factor_required == ""
    # Administrators only: the user is free, the administrators are not.
    assert not requires_or_has_second_factor(users["globex-alice"])
    assert requires_or_has_second_factor(users["globex-auditor"])
    # The customer adds "everyone": now the user is under it too.
    response = admin.post(url("two-factor-requirement", "globex"), {"requirement": "everyone"})
    assert response.status_code == 302
    alice = User.objects.select_related("tenant__parent").get(username="globex-alice")
    assert requires_or_has_second_factor(alice)
    # The partner's other customers keep the partner's "administrators" only.
    initech = User.objects.select_related("tenant__parent")
    assert not requires_or_has_second_factor(initech.get(username="initech-carol"))
    assert requires_or_has_second_factor(initech.get(username="initech-admin"))


def test_a_requirement_signs_out_users_without_a_second_factor(users, tenants):
    session = sign_in("globex-alice")
    assert session.get(url("devices", "globex")).status_code == 200
    requirement_set(
        actor=users["msp-admin"], tenant=tenants["demo-msp"], value="everyone", origin=CLI
    )
    assert session.get(url("devices", "globex"))["Location"].startswith("/accounts/login/")


def test_a_user_under_a_requirement_cannot_remove_the_last_second_factor(users, tenants):
    device = totp_for(users["globex-alice"])
    requirement_set(
        actor=users["msp-admin"], tenant=tenants["demo-msp"], value="everyone", origin=CLI
    )
    client = sign_in("globex-alice")
    client.post(reverse("two-factor-verify"), {"code": code_of(device)})
    remove = reverse("factor-remove", kwargs={"kind": "totp", "device_id": device.pk})
    client.post(remove)
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_the_admin_signs_in_through_the_portals_door():
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("username", ["globex-alice"])
def test_requires_or_has_second_factor(users, username):
    assert not requires_or_has_second_factor(users[username])
    totp_for(users[username])
    assert requires_or_has_second_factor(users[username])


def test_each_authenticator_key_is_shown_once(users):
    client = sign_in("globex-alice")
    client.get(reverse("two-factor-enrol"))
    first = TOTPDevice.objects.get(user=users["globex-alice"], confirmed=False).key
    body = client.get(reverse("two-factor-enrol")).content.decode()
    second = TOTPDevice.objects.get(user=users["globex-alice"], confirmed=False).key
    assert first != second
    assert _b32(TOTPDevice(key=first)).rstrip("=")[:8] not in body.replace(" ", "")
