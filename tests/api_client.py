"""The `api` fixture: a REST API client signed in as a demo user, for the tests of the
token and tenant APIs. The folders whose tests use it import it into their conftest.py, so
the tests ask for `api` and call `api("globex-admin")`."""

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api(users):
    """`api(username)`: a new API client authenticated as that demo user (no session,
    no OAuth token: the API sees the user as its request's user)."""

    def signed_in(username: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(users[username])
        return client

    return signed_in
