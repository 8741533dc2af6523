"""`manage.py tenants create|move|list` (issue 23), through `tenants.tree`; django-tenants'
own `create_tenant` and `clone_tenant`, which skip the tree's rules, are refused."""

import io

import pytest
from django.core.management import CommandError, call_command

from tenants.models import AuditEvent, Tenant
from tenants.tree import MSG_KIND_NOT_HERE, MSG_MOVE_BELOW_ITSELF

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("tenants", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    "parent,kind",
    [("demo-distributor", "partner"), ("northwind", "folder"), ("southridge", "customer")],
)
def test_create_each_kind_as_a_superuser(tenants, parent, kind):
    out = run("create", "--parent", parent, "--kind", kind, "--name", "Cli Level")
    child = Tenant.objects.get(name="Cli Level")
    assert (child.kind, child.parent) == (kind, tenants[parent])
    assert f"({child.slug}) under {tenants[parent].name}" in out
    event = AuditEvent.objects.get(action="tenant.create", tenant=child)
    assert event.source == "cli" and event.actor_name == "platform-admin"


def test_create_as_a_company_administrator(tenants):
    run("--as", "contoso-admin", "create", "--parent", "contoso", "--kind", "unit", "--name", "Ops")
    assert Tenant.objects.get(name="Ops").parent == tenants["contoso"]


@pytest.mark.parametrize(
    "args,message",
    [
        (["create", "--parent", "northwind", "--kind", "unit", "--name", "X"], MSG_KIND_NOT_HERE),
        (["create", "--parent", "contoso", "--kind", "customer", "--name", "X"], MSG_KIND_NOT_HERE),
        (
            ["--as", "northwind-admin", "create", "--parent", "southridge"]
            + ["--kind", "customer", "--name", "X"],
            "Not found",
        ),
        (
            ["--as", "contoso-sales-admin", "create", "--parent", "contoso"]
            + ["--kind", "unit", "--name", "X"],
            "Not found",
        ),
        (
            ["--as", "contoso-admin", "create", "--parent", "contoso"]
            + ["--kind", "partner", "--name", "X"],
            MSG_KIND_NOT_HERE,
        ),
    ],
)
def test_create_refusals(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not Tenant.objects.filter(name="X").exists()


def test_move_and_its_audit(tenants):
    out = run("--as", "distributor-admin", "move", "tailspin", "--to", "direct-customers")
    assert "Moved Tailspin (tailspin) from Southridge Resellers to Direct customers." in out
    assert Tenant.objects.get(slug="tailspin").parent == tenants["direct-customers"]
    event = AuditEvent.objects.get(action="tenant.move")
    assert event.source == "cli" and event.details["tenants"] == 1


@pytest.mark.parametrize(
    "args,message",
    [
        (["move", "northwind", "--to", "contoso"], MSG_MOVE_BELOW_ITSELF),
        (["move", "contoso", "--to", "demo-msp"], "only be moved within its own partner"),
        (["--as", "northwind-admin", "move", "fabrikam", "--to", "southridge"], "Not found"),
        (["--as", "northwind-admin", "move", "tailspin", "--to", "northwind"], "Not found"),
    ],
)
def test_move_refusals(tenants, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not AuditEvent.objects.filter(action="tenant.move").exists()


def test_list_shows_the_subtree_the_actor_sees():
    out = run("--as", "northwind-admin", "list", "northwind")
    assert out.splitlines()[0] == "Northwind Resellers (northwind, partner)"
    assert "    Contoso Sales (contoso-sales, unit)" in out.splitlines()
    assert "Tailspin" not in out
    # A plain user of Contoso sees Contoso only, not its units.
    assert run("--as", "contoso-frank", "list", "contoso") == "Contoso (contoso, customer)\n"


@pytest.mark.parametrize("command", ["create_tenant", "clone_tenant"])
def test_django_tenants_own_creation_commands_are_refused(command):
    before = Tenant.objects.count()
    with pytest.raises(CommandError, match="manage.py tenants create"):
        call_command(command, "x", "y")
    assert Tenant.objects.count() == before
