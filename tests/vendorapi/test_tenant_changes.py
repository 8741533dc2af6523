"""Provisioning through the vendor's API v2, as its scripts do: POST /api/2/tenants creates a
sub-partner, folder, customer or unit under a tenant of the caller's scope; PUT
/api/2/tenants/{id} with the version last read renames it or moves it within its tree, and
refuses (409) a version that is no longer current. The console's rules, role checks and
audit events apply (the same services)."""

from tenants.api_clients.services import api_client_create
from tenants.audit import CLI
from tenants.models import ApiClient, AuditEvent, Tenant
from tests.tenants.api_clients.test_apis import access_token

from .conftest import vendor_error


def _create(script, parent, kind, name):
    return script.call(
        "POST", "/api/2/tenants", {"name": name, "kind": kind, "parent_id": str(parent.uuid)}
    )


def test_a_resellers_script_creates_a_customer_and_a_unit_below_it(script, tenants):
    script.sign_in_client("northwind-admin")
    created = _create(script, tenants["northwind"], "customer", "Adventure Works")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["name"], body["kind"], body["version"]) == ("Adventure Works", "customer", 1)
    assert body["parent_id"] == str(tenants["northwind"].uuid)
    customer = Tenant.objects.get(uuid=body["id"])
    assert customer.lineage == [*tenants["northwind"].lineage, customer.pk]
    # The new customer is in the script's scope at once, and holds units.
    unit = _create(script, customer, "unit", "Adventure Works Lab")
    assert unit.status_code == 201, unit.content
    assert unit.json()["parent_id"] == body["id"]
    fetched = script.call("GET", f"/api/2/tenants/{body['id']}").json()
    assert fetched["has_children"] is True
    event = AuditEvent.objects.filter(action=AuditEvent.Action.TENANT_CREATE).latest("at")
    assert event.tenant_id == Tenant.objects.get(uuid=unit.json()["id"]).pk
    assert event.actor_name.startswith("API client")


def test_the_trees_rules_and_the_scope_hold_for_a_create(script, tenants):
    script.sign_in_client("northwind-admin")
    # A unit under a partner, a partner under a customer: the kind cannot stand there.
    vendor_error(_create(script, tenants["northwind"], "unit", "Wrong"), 400)
    vendor_error(_create(script, tenants["contoso"], "partner", "Wrong"), 400)
    # A name its level already has.
    vendor_error(_create(script, tenants["northwind"], "customer", "Fabrikam"), 400)
    # Another reseller's level, and the distributor above: as if they did not exist.
    vendor_error(_create(script, tenants["southridge"], "customer", "Stray"), 404)
    vendor_error(_create(script, tenants["demo-distributor"], "customer", "Stray"), 404)
    missing = script.call("POST", "/api/2/tenants", {"name": "X", "kind": "customer"})
    assert "parent_id" in vendor_error(missing, 400)["details"]["errors"]
    assert not Tenant.objects.filter(name__in=("Wrong", "Stray", "X")).exists()


def test_a_company_administrator_creates_units_but_no_customers(script, tenants):
    script.sign_in_client("contoso-admin")
    assert _create(script, tenants["contoso"], "unit", "Contoso Support").status_code == 201
    # Its partner is out of its scope.
    vendor_error(_create(script, tenants["northwind"], "customer", "Contoso 2"), 404)


def test_a_rename_and_a_move_carry_the_version_and_bump_it(script, tenants):
    script.sign_in_client("distributor-admin")
    contoso = tenants["contoso"]
    url = f"/api/2/tenants/{contoso.uuid}"
    read = script.call("GET", url).json()
    renamed = script.call("PUT", url, {"version": read["version"], "name": "Contoso Ltd"})
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["name"] == "Contoso Ltd"
    assert renamed.json()["version"] == read["version"] + 1
    # A second script still holding the old version is refused, nothing changed.
    stale = script.call("PUT", url, {"version": read["version"], "name": "Contoso Old"})
    error = vendor_error(stale, 409)
    assert str(read["version"]) in error["message"]
    assert Tenant.objects.get(pk=contoso.pk).name == "Contoso Ltd"
    # A move under the other reseller, with its units.
    southridge = tenants["southridge"]
    moved = script.call(
        "PUT", url, {"version": renamed.json()["version"], "parent_id": str(southridge.uuid)}
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["parent_id"] == str(southridge.uuid)
    assert moved.json()["version"] == read["version"] + 2
    sales = Tenant.objects.get(pk=tenants["contoso-sales"].pk)
    assert sales.lineage[:2] == [tenants["demo-distributor"].pk, southridge.pk]
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.TENANT_MOVE, tenant_id=contoso.pk
    ).exists()


def test_a_change_outside_the_scope_or_against_the_tree_is_refused(script, tenants):
    script.sign_in_client("northwind-admin")
    contoso = tenants["contoso"]
    url = f"/api/2/tenants/{contoso.uuid}"
    version = script.call("GET", url).json()["version"]
    # Another reseller's tenant, or a parent there: 404, as if unknown.
    vendor_error(
        script.call(
            "PUT", f"/api/2/tenants/{tenants['tailspin'].uuid}", {"version": 1, "name": "Mine"}
        ),
        404,
    )
    to_other = {"version": version, "parent_id": str(tenants["southridge"].uuid)}
    vendor_error(script.call("PUT", url, to_other), 404)
    # Below itself, and a kind that cannot stand there.
    below = {"version": version, "parent_id": str(tenants["contoso-sales"].uuid)}
    vendor_error(script.call("PUT", url, below), 400)
    vendor_error(script.call("PUT", url, {"version": version}), 400)  # nothing to change
    vendor_error(script.call("PUT", url, {"name": "No version"}), 400)
    assert Tenant.objects.get(pk=contoso.pk).parent_id == tenants["northwind"].pk


def test_a_read_only_client_changes_nothing(script, tenants, users):
    globex = tenants["globex"]
    issued = api_client_create(
        actor=users["globex-admin"],
        tenant=globex,
        name="reader",
        role=ApiClient.Role.READ_ONLY_ADMINISTRATOR,
        origin=CLI,
    )
    script.auth = "Bearer " + access_token(issued)
    vendor_error(_create(script, globex, "unit", "Globex Lab"), 403)
    version = script.call("GET", f"/api/2/tenants/{globex.uuid}").json()["version"]
    put = script.call("PUT", f"/api/2/tenants/{globex.uuid}", {"version": version, "name": "G"})
    vendor_error(put, 403)
    assert Tenant.objects.get(pk=globex.pk).name == "Globex"


def test_the_version_moves_only_on_a_rename_or_a_move(tenants):
    litware = Tenant.objects.get(pk=tenants["litware"].pk)
    before = litware.version
    litware.two_factor_required = "admins"
    litware.version = 99  # a stale or forged value written back by a save()
    litware.save()
    assert Tenant.objects.get(pk=litware.pk).version == before
    Tenant.objects.filter(pk=litware.pk).update(name="Litware Inc")
    assert Tenant.objects.get(pk=litware.pk).version == before + 1
