"""Tokens keep copies of their customer's name and their user's username (the customer and
user sorts of the token lists read them from the token's own index, joining nothing)."""

from tenants import services as tenant_services
from tenants.audit import CLI
from tests.factories import make_token
from tokens import renewal
from tokens.models import RegistrationToken


def test_a_new_token_copies_its_customer_and_user(tenants, users):
    token, _ = make_token(tenants["globex"], users["globex-alice"], actor=users["msp-admin"])
    token.refresh_from_db()
    assert (token.customer_name, token.user_username) == ("Globex", "globex-alice")


def test_a_reissued_token_copies_them_too(tenants, users):
    token, _ = make_token(tenants["globex"], users["globex-alice"])
    issued = renewal.token_reissue(actor=users["globex-admin"], token=token, origin=CLI)
    new = RegistrationToken.objects.get(pk=issued.token.pk)
    assert (new.customer_name, new.user_username) == ("Globex", "globex-alice")


def test_renaming_a_customer_renames_it_in_its_tokens_only(tenants, users):
    globex, _ = make_token(tenants["globex"], users["globex-alice"])
    initech, _ = make_token(tenants["initech"], users["initech-carol"], actor=users["msp-admin"])
    tenant_services.tenant_rename(
        actor=users["msp-admin"], tenant=tenants["globex"], name="Globex Corp", origin=CLI
    )
    names = dict(RegistrationToken.objects.values_list("pk", "customer_name"))
    assert names[globex.pk] == "Globex Corp"
    assert names[initech.pk] == tenants["initech"].name
