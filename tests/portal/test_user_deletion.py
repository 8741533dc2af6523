"""Deleting a user: tokens, devices and the account, in one transaction."""

from tests.factories import make_token
from tokens.models import RegistrationToken


def test_deleting_a_user_revokes_their_tokens_first(tenants, users):
    from portal import services
    from tenants.audit import CLI

    token, _ = make_token(tenants["globex"], users["globex-bob"])
    services.user_delete(actor=users["globex-admin"], user=users["globex-bob"], origin=CLI)
    assert not RegistrationToken.objects.filter(pk=token.pk).exists()
