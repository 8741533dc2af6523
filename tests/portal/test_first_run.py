"""Issue 20, item 13: the first run as a newcomer sees it. A busy port is reported before
any set-up (with the --port hint), sign-ins print no raw `AXES:` lines, reminder mails on
the console are readable, and the demo-login block names each login's role. (That the first
start takes a few minutes, and why, is in tests/launcher/test_install.py.)"""

import io
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail

from portal.launch.demo import banner
from portal.settings.base import mail_from_env
from tenants.models import User
from tests.factories import make_token
from tokens import reminders

ROOT = Path(__file__).resolve().parents[2]


def test_a_busy_port_is_reported_before_any_set_up_with_the_port_hint(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = (
            f"import runpy, sys; sys.path.insert(0, {str(ROOT)!r}); "
            f"sys.argv = ['portal.launch', 'serve', '--port', '{port}']; "
            "runpy.run_module('portal.launch', run_name='__main__')"
        )
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            # Were the check missing, set-up would stop at this database, not run on.
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/no_such_database_for_launch",
        }
        started = time.monotonic()
        result = subprocess.run(  # noqa: S603 - this interpreter, fixed code
            [sys.executable, "-I", "-S", "-c", code],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=tmp_path,
        )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"Port {port} on 127.0.0.1 is already in use (another server, or a portal still "
        f"running?). Stop it, or choose another port: python3 -m portal.launch serve "
        f"--port {port + 1}"
    ]
    assert time.monotonic() - started < 10  # nothing installed, compiled or migrated first


@pytest.mark.django_db
def test_signing_in_logs_no_axes_lines(login, caplog):
    caplog.set_level(logging.INFO)
    login("globex-alice")  # django-axes hears the sign-in (user_logged_in)
    login("globex-admin")
    axes = [r.getMessage() for r in caplog.records if r.getMessage().startswith("AXES:")]
    assert axes == []


@pytest.mark.django_db
def test_a_reminder_mail_on_the_console_has_a_readable_subject(tenants, users):
    token, _value = make_token(tenants["globex"], users["globex-alice"])
    subject, body = reminders.compose(token, "expiring")
    assert not subject.isascii()  # the masked token's dots: what came out as =?utf-8?...?=
    settings = mail_from_env("consolemail://")
    stream = io.StringIO()
    connection = mail.get_connection(settings["EMAIL_BACKEND"], stream=stream)
    connection.send_messages(
        [mail.EmailMessage(subject, body, "portal@example.com", ["alice@example.com"])]
    )
    printed = stream.getvalue()
    assert f"Subject: {subject}\n" in printed
    assert "=?utf-8?" not in printed
    assert body.splitlines()[0] in printed


ROLES = {
    "msp-admin": "partner administrator",
    "other-admin": "partner administrator",
    "globex-admin": "company administrator",
    "initech-admin": "company administrator",
    "globex-auditor": "read-only administrator",
    "globex-alice": "user",
    "globex-bob": "user",
    "initech-carol": "user",
    "umbrella-dave": "user",
    "distributor-admin": "partner administrator",
    "northwind-admin": "partner administrator",
    "southridge-admin": "partner administrator",
    "contoso-admin": "company administrator",
    "contoso-frank": "user",
    "contoso-sales-admin": "unit administrator",
    "contoso-sales-grace": "user",
    "contoso-labs-heidi": "user",
    "fabrikam-admin": "company administrator",
    "tailspin-ivan": "user",
    "litware-admin": "company administrator",
    "platform-admin": "platform superuser",
}


def test_the_demo_login_block_names_each_logins_role(db):
    lines = banner("127.0.0.1", 8000, "pw").splitlines()
    start = lines.index("Demo logins, all with password 'pw':")
    listed = {line.split()[0]: line for line in lines[start + 1 :]}
    assert set(listed) == set(ROLES)
    seeded = set(User.objects.values_list("username", flat=True))
    assert set(ROLES) <= seeded  # every listed login exists in the demo data
    for login, role in ROLES.items():
        assert listed[login].split(None, 1)[1].startswith(role), listed[login]
