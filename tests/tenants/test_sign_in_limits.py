"""Failed sign-ins are limited per username and per address (issue 10, finding 5).

django-axes counts failures in the database (shared by every worker process): after
AXES_FAILURE_LIMIT (5) failures for one username, or from one address, further sign-ins for
that username or from that address are refused for AXES_COOLOFF_TIME (15 minutes) with one
message, whether or not the username exists and whether or not the password is right.
"""

import datetime
import re

import time_machine
from django.conf import settings
from django.test import Client

from tests.conftest import DEMO_PASSWORD

LOCKED = "Too many failed sign-in attempts. Try again in 15 minutes."
WRONG = "Your login and password didn't match. Please try again."


def sign_in(username, password, *, address="203.0.113.10", client=None):
    client = client or Client()
    response = client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )
    return client, response


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail(username, times, *, address="203.0.113.10"):
    return [sign_in(username, "wrong-password", address=address)[1] for _ in range(times)]


def test_the_limit_is_five_failures_for_fifteen_minutes():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60


def test_after_five_wrong_passwords_the_right_one_is_refused(users):
    answers = fail("globex-alice", 5)
    assert [r.status_code for r in answers] == [200, 200, 200, 200, 429]
    assert WRONG in answers[0].content.decode() and LOCKED in answers[-1].content.decode()
    client, response = sign_in("globex-alice", DEMO_PASSWORD)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert not signed_in(client)


def test_a_locked_unknown_username_gets_the_same_answers_as_a_known_one(users):
    known = fail("globex-bob", 6, address="198.51.100.1")
    unknown = fail("nobody-at-all", 6, address="198.51.100.2")
    for a, b in zip(known, unknown, strict=True):
        assert a.status_code == b.status_code
        if a.status_code == 429:
            assert _without_csrf_values(a.content) == _without_csrf_values(b.content)
        else:
            assert WRONG in a.content.decode() and WRONG in b.content.decode()


def _without_csrf_values(html: bytes) -> bytes:
    """The page minus the CSRF token's value, which Django masks afresh in every response
    (the footer's language form carries one) and which says nothing about the username."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


def test_failures_from_one_address_across_usernames_lock_that_address(users):
    for name in ["globex-alice", "globex-bob", "initech-carol", "nobody-1", "nobody-2"]:
        fail(name, 1, address="203.0.113.20")
    client, response = sign_in("globex-admin", DEMO_PASSWORD, address="203.0.113.20")
    assert response.status_code == 429 and not signed_in(client)
    client, response = sign_in("globex-admin", DEMO_PASSWORD, address="203.0.113.21")
    assert response.status_code == 302 and signed_in(client)


def test_failures_from_many_addresses_lock_that_username(users):
    for n in range(5):
        fail("globex-bob", 1, address=f"198.51.100.{10 + n}")
    client, response = sign_in("globex-bob", DEMO_PASSWORD, address="198.51.100.99")
    assert response.status_code == 429 and not signed_in(client)
    client, response = sign_in("globex-alice", DEMO_PASSWORD, address="198.51.100.99")
    assert response.status_code == 302 and signed_in(client)


def test_the_lock_lifts_after_the_cool_off(users):
    fail("globex-alice", 5)
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=16)):
        client, response = sign_in("globex-alice", DEMO_PASSWORD)
        assert response.status_code == 302 and signed_in(client)


def test_the_admin_takes_no_password_of_its_own(users):
    """The admin signs in through the portal's one door (limited above, then the second
    factor): its own sign-in page only redirects there, right password or not."""
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "globex-admin", "password": DEMO_PASSWORD},
        REMOTE_ADDR="203.0.113.31",
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    assert not signed_in(client)


def test_four_failures_then_the_right_password_signs_in(users):
    fail("globex-alice", 4, address="203.0.113.40")
    client, response = sign_in("globex-alice", DEMO_PASSWORD, address="203.0.113.40")
    assert response.status_code == 302 and signed_in(client)
