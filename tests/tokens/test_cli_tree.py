"""The command line at every level of the tree (issue 23, item 6): `tokens` and
`api_clients` take units and sub-partners, with the acting user's scope."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from tenants.models import ApiClient
from tokens.models import RegistrationToken
from tokens.services import MSG_ALL_CUSTOMERS

pytestmark = pytest.mark.django_db


def run(command, *args) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_tokens_for_a_units_user_from_the_unit_the_customer_or_a_reseller(tenants):
    for actor, level in (
        ("northwind-admin", "contoso"),
        ("contoso-admin", "contoso-sales"),
        ("contoso-sales-admin", "contoso-sales"),
    ):
        out = run(
            "tokens", "--as", actor, "create", "--tenant", level, "--user", "contoso-sales-grace"
        )
        assert "User:    contoso-sales-grace (Contoso Sales)" in out, actor
        public_id = re.search(r"Id:\s+(\S+)", out).group(1)
        token = RegistrationToken.objects.get(public_id=public_id)
        assert token.tenant == tenants["contoso-sales"]
    listing = run("tokens", "--as", "northwind-admin", "list", "--tenant", "northwind")
    assert listing.count("contoso-sales-grace") == 3
    assert (
        run("tokens", "--as", "contoso-sales-admin", "list", "--tenant", "contoso-sales").count(
            "contoso-sales-grace"
        )
        == 3
    )


def test_tokens_refusals_follow_the_tree():
    with pytest.raises(CommandError, match="Not found"):
        run(
            "tokens", "--as", "contoso-sales-admin", "create",
            "--tenant", "contoso-labs", "--user", "contoso-labs-heidi",
        )  # fmt: skip
    with pytest.raises(CommandError, match="Not found"):
        run("tokens", "--as", "southridge-admin", "list", "--tenant", "northwind")
    with pytest.raises(CommandError, match=re.escape(MSG_ALL_CUSTOMERS)):
        run(
            "tokens", "--as", "distributor-admin", "create",
            "--tenant", "northwind", "--user", "contoso-sales-grace",
        )  # fmt: skip


def test_api_clients_at_a_reseller_and_a_unit(tenants):
    out = run(
        "api_clients", "--as", "northwind-admin", "create", "--tenant", "northwind", "--name", "RMM"
    )
    assert "Level:         Northwind Resellers: All customers" in out
    out = run(
        "api_clients", "--as", "contoso-sales-admin", "create",
        "--tenant", "contoso-sales", "--name", "Sales script",
    )  # fmt: skip
    assert "Level:         Contoso Sales" in out
    assert ApiClient.objects.get(name="Sales script").tenant == tenants["contoso-sales"]
    # The customer's list covers its units' clients; the reseller's covers both.
    assert "Sales script" in run(
        "api_clients", "--as", "contoso-admin", "list", "--tenant", "contoso"
    )
    listing = run("api_clients", "--as", "northwind-admin", "list", "--tenant", "northwind")
    assert "Sales script" in listing and "RMM" in listing
    with pytest.raises(CommandError, match="Not found"):
        run("api_clients", "--as", "southridge-admin", "list", "--tenant", "northwind")
    with pytest.raises(CommandError, match="Not found"):
        run("api_clients", "--as", "contoso-sales-admin", "list", "--tenant", "contoso")
