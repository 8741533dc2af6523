"""Two-factor sign-in in Chromium (issue 21): enrol an authenticator app (its code computed
here, as the app would) and a passkey (Chromium's virtual authenticator), sign in with each
and with a recovery code, lose the phone and be reset by an administrator; a partner
requires two-factor sign-in and a customer's user can reach nothing but enrolment."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.live.server import PASSWORD

STEP = 30  # seconds per TOTP code


@pytest.fixture
def clean_two_factor(portal):
    """Second factors and requirements are undone after each test: the portal is shared."""
    yield
    for table in (
        "otp_totp_totpdevice",
        "django_otp_webauthn_webauthnattestation",
        "django_otp_webauthn_webauthncredential",
        "tenants_recoverycodes",
    ):
        portal.sql(f"DELETE FROM {table} RETURNING 1")  # noqa: S608 - fixed names
    portal.sql("UPDATE tenants_tenant SET two_factor_required = '' RETURNING 1")


def sign_in_with_password(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/**")


def code_after(key: str, used_step: int | None) -> tuple[str, int]:
    """The app's current code, waiting for a new time step if `used_step`'s was used."""
    while used_step is not None and int(time.time()) // STEP <= used_step:
        time.sleep(0.5)
    step = int(time.time()) // STEP
    return pyotp.TOTP(key).at(step * STEP), step


def test_totp_recovery_code_and_an_administrators_reset(new_page, login, clean_two_factor):
    page = new_page()
    sign_in_with_password(page, "initech-carol")
    page.wait_for_url("**/console/**")
    page.get_by_role("link", name="Sign-in security").click()
    expect(page.get_by_text("You sign in with a password alone.")).to_be_visible()
    page.get_by_role("link", name="Add an authenticator app or a passkey").click()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    key = page.locator("[data-totp-key]").inner_text().replace(" ", "")
    code, step = code_after(key, None)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Add authenticator app").click()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    codes = page.locator("[data-recovery-codes] code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="Done").click()
    expect(page.get_by_role("cell", name="Authenticator app").first).to_be_visible()
    log_out(page)

    # The password alone reaches the second step only; a recovery code passes it once.
    sign_in_with_password(page, "initech-carol")
    page.wait_for_url("**/accounts/two-factor/verify/**")
    page.goto("/console/initech/devices/")
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/console/initech/devices/")
    log_out(page)
    sign_in_with_password(page, "initech-carol")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    # Beside the field, and in the error summary at the top (a link to the field).
    expect(page.locator("#id_code_error").get_by_text("That code is not valid")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("That code is not valid"))).to_be_visible()

    # The app's next code signs in.
    code, step = code_after(key, step)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/console/**")

    # The phone is lost: an administrator resets the second factors (audited).
    admin = login("initech-admin")
    admin.goto("/manage/initech/users/")
    expect(admin.locator('[data-two-factor="initech-carol"]')).to_have_text("Enrolled")
    admin.get_by_role("link", name="Reset second factors initech-carol").click()
    admin.get_by_role("button", name="Reset second factors").click()
    expect(admin.get_by_text("were reset and their sessions ended")).to_be_visible()
    expect(admin.locator('[data-two-factor="initech-carol"]')).to_have_text("Not enrolled")
    admin.goto("/manage/initech/audit/")
    expect(admin.get_by_role("cell", name="Second factors reset").first).to_be_visible()
    # Carol's session ended; her password alone signs her in again.
    page.goto("/console/initech/devices/")
    page.wait_for_url("**/accounts/login/**")
    sign_in_with_password(page, "initech-carol")
    page.wait_for_url("**/console/**")


def test_passkey_enrolment_and_sign_in(browser, portal, clean_two_factor):
    # WebAuthn needs a domain as the relying party: the same server, named localhost.
    origin = re.sub(r"127\.0\.0\.1", "localhost", portal.url)
    context = browser.new_context(base_url=origin)
    context.set_default_timeout(15000)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        options = {
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": True,
            "hasUserVerification": True,
            "isUserVerified": True,
        }
        cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
        sign_in_with_password(page, "globex-bob")
        page.wait_for_url("**/console/**")
        page.goto("/accounts/two-factor/enrol/")
        page.get_by_role("button", name="Add a passkey").click()
        page.wait_for_url("**/accounts/security/")
        expect(page.get_by_role("cell", name="Passkey or security key")).to_be_visible()
        # Rename it.
        page.get_by_role("link", name="Rename Passkey").click()
        page.get_by_label("Name").fill("Laptop key")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("cell", name="Laptop key", exact=True)).to_be_visible()
        log_out(page)

        sign_in_with_password(page, "globex-bob")
        page.wait_for_url("**/accounts/two-factor/verify/**")
        page.get_by_role("button", name="Use a passkey").click()
        page.wait_for_url("**/console/**")
        expect(page.get_by_text("Signed in as globex-bob")).to_be_visible()
    finally:
        context.close()


def test_a_partner_requires_two_factor_sign_in_and_a_customers_user_enrols(
    new_page, login, clean_two_factor
):
    admin = login("msp-admin")
    admin.goto("/manage/demo-msp/users/")
    admin.get_by_role("link", name="Two-factor sign-in").click()
    admin.get_by_label("Require two-factor sign-in for everyone at this level and below").check()
    admin.get_by_role("button", name="Save").click()
    # The administrator is under it too, and is taken to enrolment at once.
    expect(admin.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()

    page = new_page()
    sign_in_with_password(page, "globex-alice")
    page.wait_for_url("**/accounts/two-factor/enrol/**")
    expect(page.get_by_text("Your organisation requires two-factor sign-in.")).to_be_visible()
    for path in ("/console/globex/devices/", "/manage/globex/users/", "/accounts/security/"):
        page.goto(path)
        expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    assert page.request.get("/api/v1/tenants/globex/devices").status == 403
    key = page.locator("[data-totp-key]").inner_text().replace(" ", "")
    page.get_by_label("Code").fill(code_after(key, None)[0])
    page.get_by_role("button", name="Add authenticator app").click()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    page.goto("/console/globex/devices/")
    expect(page.get_by_text("Signed in as globex-alice")).to_be_visible()
