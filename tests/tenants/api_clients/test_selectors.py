"""Reading API clients: the list service asks for the role itself, whatever page calls it."""

import pytest
from django.core.exceptions import PermissionDenied

from tenants.api_clients.selectors import api_clients_at
from tenants.api_clients.services import api_client_create
from tenants.audit import CLI


@pytest.mark.parametrize("username", ["globex-alice", "globex-bob"])
def test_a_plain_user_cannot_list_the_api_clients_of_their_customer(tenants, users, username):
    api_client_create(
        actor=users["globex-admin"],
        tenant=tenants["globex"],
        name="backup",
        role="administrator",
        origin=CLI,
    )
    with pytest.raises(PermissionDenied):
        api_clients_at(actor=users[username], tenant=tenants["globex"])


@pytest.mark.parametrize("username", ["globex-auditor", "globex-admin", "msp-admin"])
def test_administrators_of_the_level_list_them(tenants, users, username):
    api_client_create(
        actor=users["globex-admin"],
        tenant=tenants["globex"],
        name="backup",
        role="administrator",
        origin=CLI,
    )
    listed = api_clients_at(actor=users[username], tenant=tenants["globex"])
    assert [c.name for c in listed] == ["backup"]
