"""A password reset request on the served portal sends its mail without an error (issue 10,
finding 6): gunicorn has no test runner to swap the mail backend, so this is the settings'
own backend at work. The in-process side of the reset flow is tests/portal/test_mail.py."""

import pytest

from tests.live.http import Session

RESET = "/accounts/password_reset/"


@pytest.mark.parametrize("address", ["globex-bob@example.com", "nobody@example.com"])
def test_the_live_servers_reset_request_logs_no_traceback(live_portal, address):
    before = live_portal.log.read_text()
    session = Session(live_portal.url)
    session.get(RESET)
    status, html = session.post_form(RESET, {"email": address})
    assert status == 200 and "Password reset sent" in html
    written = live_portal.log.read_text()[len(before) :]
    assert "Traceback" not in written and "Failed to send" not in written, written[-2000:]
