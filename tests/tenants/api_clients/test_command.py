"""`manage.py api_clients create|list|delete`."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from tenants.models import ApiClient, AuditEvent


def run(*args) -> str:
    out = io.StringIO()
    call_command("api_clients", *args, stdout=out)
    return out.getvalue()


def test_create_list_delete(db, tenants):
    created = run(
        "create", "--tenant", "demo-msp", "--name", "RMM", "--role", "read_only_administrator"
    )
    secret = re.search(r"Client secret: (\S+)", created).group(1)
    client = ApiClient.objects.get()
    assert client.tenant == tenants["demo-msp"] and client.role == "read_only_administrator"
    assert client.created_by_name == "platform-admin"
    listing = run("list", "--tenant", "demo-msp")
    assert (
        "RMM" in listing and "All customers" in listing and client.application.client_id in listing
    )
    assert secret not in listing and "never" in listing
    assert "Deleted API client RMM" in run("delete", str(client.pk))
    assert not ApiClient.objects.exists()
    assert AuditEvent.objects.filter(action="api_client.delete", source="cli").count() == 1
    assert run("list", "--tenant", "demo-msp") == "No API clients.\n"


def test_the_rules_of_the_acting_user_apply(db):
    with pytest.raises(CommandError, match="Not found"):
        run("--as", "globex-admin", "create", "--tenant", "initech", "--name", "x")
    with pytest.raises(CommandError, match="Not allowed"):
        run("--as", "globex-auditor", "create", "--tenant", "globex", "--name", "x")
    run("--as", "initech-admin", "create", "--tenant", "initech", "--name", "x")
    client = ApiClient.objects.get()
    with pytest.raises(CommandError, match="Not found"):
        run("--as", "globex-admin", "delete", str(client.pk))
    with pytest.raises(CommandError, match="Not found"):
        run("delete", "99999999999999999999")
    assert ApiClient.objects.exists()
