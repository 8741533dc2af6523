"""Mail comes from EMAIL_URL, so the password reset pages work (issue 10, finding 6).

Before, no mail was configured: Django's default SMTP backend tried localhost:25 and every
reset request logged a traceback and answered 500. The served portal's side of it is
tests/live/test_password_reset_live.py.
"""

import logging
import re

from django.core import mail

from tests.portal.test_settings import PRODUCTION_ENV, manage

RESET = "/accounts/password_reset/"
SHOW_BACKEND = (
    "from django.conf import settings as s; "
    "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL)"
)


def test_the_reset_flow_sends_one_mail_with_a_link_and_logs_no_error(client, users, caplog):
    with caplog.at_level(logging.WARNING):
        response = client.post(RESET, {"email": "globex-alice@example.com"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert [m.to for m in mail.outbox] == [["globex-alice@example.com"]]
    assert "/accounts/reset/" in mail.outbox[0].body
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_an_unknown_address_gets_the_same_page_and_no_mail(client, users):
    known = client.post(RESET, {"email": "globex-alice@example.com"}, follow=True)
    mail.outbox.clear()
    unknown = client.post(RESET, {"email": "nobody@example.com"}, follow=True)
    assert unknown.redirect_chain == known.redirect_chain
    assert _without_csrf_values(unknown.content) == _without_csrf_values(known.content)
    assert mail.outbox == []


def _without_csrf_values(html: bytes) -> bytes:
    """The page minus the CSRF token's value, which Django masks afresh in every response
    (the footer's language form carries one) and which says nothing about the address."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


def test_local_settings_print_mail_on_the_console():
    local = {"DJANGO_SETTINGS_MODULE": "portal.settings.local", "DATABASE_URL": "postgres://x@h/d"}
    result = manage("shell", "-c", SHOW_BACKEND, env=local)
    assert result.returncode == 0, result.stderr
    shown = result.stdout.strip().splitlines()[-1].split()
    # Django's console backend, printing each mail readably (decoded subject; issue 20).
    assert shown[0] == "portal.console_mail.ReadableConsoleBackend"
    from django.core.mail.backends.console import EmailBackend

    from portal.console_mail import ReadableConsoleBackend

    assert issubclass(ReadableConsoleBackend, EmailBackend)


def test_production_sends_mail_through_the_smtp_server_in_email_url():
    env = {
        **PRODUCTION_ENV,
        "EMAIL_URL": "smtp+tls://portal:secret@mail.example.com:587",
        "DEFAULT_FROM_EMAIL": "portal@example.com",
    }
    result = manage("shell", "-c", SHOW_BACKEND, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.example.com",
        "587",
        "True",
        "portal@example.com",
    ]


def test_production_requires_email_url():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "EMAIL_URL"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "EMAIL_URL" in result.stderr


def test_the_link_in_the_mail_sets_a_new_password(client, users):
    client.post(RESET, {"email": "globex-alice@example.com"})
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    new = {"new_password1": "a-fresh-long-password", "new_password2": "a-fresh-long-password"}
    done = client.post(form.redirect_chain[-1][0], new, follow=True)
    assert done.redirect_chain[-1][0] == "/accounts/reset/done/"
    users["globex-alice"].refresh_from_db()
    assert users["globex-alice"].check_password("a-fresh-long-password")
