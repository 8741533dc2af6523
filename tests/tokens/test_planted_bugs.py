"""Tests that catch bugs the rest of the suite let through (each was planted once to prove
it): a lookup by the token's two visible symbols, a delete service without its role
check, and the console's delete ignoring the level in its URL."""

import secrets

import pytest
from django.core.exceptions import PermissionDenied

from tenants.audit import CLI
from tests.agents.helpers import agent, register
from tests.factories import error_body, make_token
from tokens import selectors, services, values
from tokens.models import RegistrationToken
from tokens.throttling import MSG_INVALID_TOKEN


def same_prefix(value: str) -> str:
    """Another well-formed token value that starts with the same two symbols."""
    canonical = values.normalize(value)
    while True:
        payload = canonical[: values.PREFIX_LENGTH] + "".join(
            secrets.choice(values.ALPHABET)
            for _ in range(values.RANDOM_SYMBOLS - values.PREFIX_LENGTH)
        )
        other = payload + values.check_symbol(payload)
        if other != canonical:
            return values.format_value(other)


def test_a_value_sharing_the_prefix_of_a_live_token_is_401(tenants, users):
    _, value = make_token(
        tenants["globex"], users["globex-alice"], actor=users["globex-admin"], plan="Daily backup"
    )
    lookalike = same_prefix(value)
    assert values.prefix(values.normalize(lookalike)) == values.prefix(values.normalize(value))
    assert selectors.token_by_value(lookalike) is None
    refused = register(lookalike, machine="lookalike")
    assert (refused.status_code, error_body(refused)) == (401, {"detail": MSG_INVALID_TOKEN})
    client = agent(register(value).json()["agent_secret"])
    applied = client.post("/api/v1/agents/me/plan/apply", {"token": lookalike}, format="json")
    assert applied.status_code == 401
    assert RegistrationToken.objects.get().registrations == 1


@pytest.fixture
def auditors_token(tenants, users):
    """A token an administrator issued to the read-only administrator."""
    token, _ = make_token(tenants["globex"], users["globex-auditor"], actor=users["globex-admin"])
    return token


def test_a_read_only_admin_may_not_delete_a_token_issued_to_themselves(auditors_token, users):
    with pytest.raises(PermissionDenied):
        services.token_delete(actor=users["globex-auditor"], token=auditors_token, origin=CLI)
    assert RegistrationToken.objects.active().filter(pk=auditors_token.pk).exists()


def test_a_read_only_admin_deleting_their_own_token_is_403_in_the_api_and_console(
    auditors_token, users, client, api
):
    response = api("globex-auditor").delete(
        f"/api/v1/registration_tokens/{auditors_token.public_id}"
    )
    assert response.status_code == 403
    client.force_login(users["globex-auditor"])
    posted = client.post(
        "/console/globex/tokens/delete/",
        {"token": [str(auditors_token.public_id)], "confirm": "yes"},
    )
    assert posted.status_code == 403
    assert RegistrationToken.objects.active().filter(pk=auditors_token.pk).exists()


@pytest.mark.parametrize("confirm", ["", "yes"])
def test_a_globex_token_posted_to_initechs_delete_url_stays_active(tenants, users, client, confirm):
    globex, _ = make_token(tenants["globex"], users["globex-bob"])
    client.force_login(users["msp-admin"])  # sees both customers' tokens
    response = client.post(
        "/console/initech/tokens/delete/",
        {"token": [str(globex.public_id)], "confirm": confirm},
        follow=True,
    )
    assert response.status_code == 200
    assert "Select one or more tokens to delete." in response.content.decode()
    assert RegistrationToken.objects.active().filter(pk=globex.pk).exists()
