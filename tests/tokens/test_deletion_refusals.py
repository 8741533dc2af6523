"""Deleting a token is refused where the role or the level says no: a read-only
administrator's own token (service, API and console alike), and a token posted to the
delete URL of a customer it does not belong to."""

import pytest
from django.core.exceptions import PermissionDenied

from tenants.audit import CLI
from tests.factories import make_token
from tokens import services
from tokens.models import RegistrationToken


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
