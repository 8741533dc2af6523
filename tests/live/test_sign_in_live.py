"""Sign-in limits hold across gunicorn's worker processes (issue 10, finding 5): the failures
are counted in the database, not in one process's memory."""

from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

from tests.live.http import Session
from tests.live.server import PASSWORD

LOCKED = "Too many failed sign-in attempts."


def attempt(portal, username: str, password: str) -> tuple[int, str]:
    session = Session(portal.url)
    session.get("/accounts/login/")
    return session.post_form("/accounts/login/", {"username": username, "password": password})


def test_failed_sign_ins_on_several_workers_lock_the_username(live_portal):
    limit = settings.AXES_FAILURE_LIMIT
    try:
        with ThreadPoolExecutor(max_workers=limit) as pool:
            answers = list(
                pool.map(lambda _: attempt(live_portal, "initech-carol", "wrong"), range(limit))
            )
        # Each worker counts after recording its own failure: the last ones see the limit.
        statuses = [status for status, _ in answers]
        assert set(statuses) <= {200, 429} and statuses.count(429) >= 1
        status, html = attempt(live_portal, "initech-carol", PASSWORD)
        assert status == 429 and LOCKED in html
        # Only this username's: other live tests (the schema fuzzing of the vendor API's
        # HTTP Basic paths) leave failures of their own on the session's server.
        rows = live_portal.sql(
            "SELECT sum(failures_since_start) FROM axes_accessattempt"
            " WHERE username = 'initech-carol'"
        )
        assert rows == [(limit,)]
    finally:
        # The failures came from 127.0.0.1, which every live test uses: unlock it.
        live_portal.sql("DELETE FROM axes_accessattempt RETURNING id")
    status, _ = attempt(live_portal, "initech-carol", PASSWORD)
    assert status == 200  # signed in (the client followed the redirect to the console)
