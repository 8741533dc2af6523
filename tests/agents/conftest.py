"""Fixtures of the agent endpoint tests."""

import pytest

from tests.agents.helpers import agent, register
from tests.factories import make_token


@pytest.fixture
def registered(tenants, users):
    """Alice's machine, registered with an admin's token that carries "Daily backup"."""
    _, value = make_token(
        tenants["globex"], users["globex-alice"], actor=users["globex-admin"], plan="Daily backup"
    )
    secret = register(value).json()["agent_secret"]
    return value, agent(secret)
