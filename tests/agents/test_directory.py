"""The device directory (public schema) follows every change to a device, in the same
transaction, so lists across customers never disagree with the customers' schemas."""

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.directory.models import DeviceEntry, PlanEntry
from agents.models import Device, ProtectionPlan
from agents.services import plans as plan_services
from agents.services.registration import Machine, register_with
from portal import services as portal_services
from tenants import services as tenant_services
from tenants.audit import CLI
from tenants.models import AuditEvent
from tests.agents.helpers import agent, devices_in, register
from tests.factories import make_device, make_token
from tokens.models import AgentCredential, RegistrationToken
from tokens.selectors import InvalidToken, usable_token


def entries(tenant):
    return {
        e.hostname: (e.owner_username, e.customer_name, e.plan_names)
        for e in DeviceEntry.objects.filter(tenant=tenant)
    }


def test_registration_writes_the_entry_and_reregistration_moves_it(tenants, users):
    _, alices = make_token(tenants["globex"], users["globex-alice"])
    _, bobs = make_token(tenants["globex"], users["globex-bob"])
    secret = register(alices, machine="m-1", hostname="laptop").json()["agent_secret"]
    entry = DeviceEntry.objects.get(tenant=tenants["globex"])
    assert entry.partner_id == tenants["demo-msp"].pk and entry.customer_slug == "globex"
    with tenant_context(tenants["globex"]):
        device = Device.objects.get()
    assert (entry.device_id, entry.agent_id) == (device.pk, device.agent_id)
    assert register(bobs, machine="m-1", hostname="laptop-2", proof=secret).status_code == 200
    assert entries(tenants["globex"]) == {"laptop-2": ("globex-bob", "Globex", [])}


def test_plans_applied_revoked_renamed_and_deleted_show_in_the_entry(registered, tenants, users):
    value, client = registered
    client.post("/api/v1/agents/me/plan/apply", {"token": value}, format="json")
    assert entries(tenants["globex"])["alice-laptop"][2] == ["Daily backup"]
    with tenant_context(tenants["globex"]):
        plan = ProtectionPlan.objects.get(name="Daily backup")
    plan = plan_services.plan_update(
        actor=users["globex-admin"],
        tenant=tenants["globex"],
        plan=plan,
        data={"name": "Nightly"},
        origin=CLI,
    )
    assert entries(tenants["globex"])["alice-laptop"][2] == ["Nightly"]
    plan_services.plan_delete(
        actor=users["globex-admin"], tenant=tenants["globex"], plan=plan, origin=CLI
    )
    assert entries(tenants["globex"])["alice-laptop"][2] == []


def test_revoking_empties_the_entrys_plans(registered, tenants):
    value, client = registered
    client.post("/api/v1/agents/me/plan/apply", {"token": value}, format="json")
    client.post("/api/v1/agents/me/plan/revoke", {"token": value}, format="json")
    assert entries(tenants["globex"])["alice-laptop"][2] == []


def test_unregistering_and_deleting_the_owner_remove_entries(registered, tenants, users):
    _, client = registered
    _, bobs = make_token(tenants["globex"], users["globex-bob"])
    register(bobs, machine="m-2", hostname="bob-pc")
    client.post("/api/v1/agents/me/unregister")
    assert set(entries(tenants["globex"])) == {"bob-pc"}
    portal_services.user_delete(actor=users["globex-admin"], user=users["globex-bob"], origin=CLI)
    assert entries(tenants["globex"]) == {}


def test_renaming_a_customer_renames_it_in_the_entries(tenants, users):
    _, value = make_token(tenants["globex"], users["globex-alice"])
    register(value)
    tenant_services.tenant_rename(
        actor=users["msp-admin"], tenant=tenants["globex"], name="Globex Corp", origin=CLI
    )
    assert entries(tenants["globex"])["alice-laptop"][1] == "Globex Corp"


def test_a_registration_that_loses_the_race_to_a_delete_writes_nothing(tenants, users):
    token, value = make_token(tenants["globex"], users["globex-alice"])
    found = usable_token(value)
    # Deleted between the lookup and the writes:
    RegistrationToken.objects.filter(pk=token.pk).update(deleted_at=timezone.now())
    with pytest.raises(InvalidToken):
        register_with(found, Machine("late", "Linux", "m-late"), CLI)
    assert not DeviceEntry.objects.filter(tenant=tenants["globex"]).exists()
    assert not AgentCredential.objects.filter(tenant=tenants["globex"]).exists()
    assert not AuditEvent.objects.filter(action="device.register").exists()
    with tenant_context(tenants["globex"]):
        assert not Device.objects.exists()
    token.refresh_from_db()
    assert token.registrations == 0


def test_the_backfill_migration_lists_devices_registered_before_the_directory(tenants, users):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    backfill = importlib.import_module("agents.directory.migrations.0002_backfill").backfill
    with tenant_context(tenants["initech"]):
        Device.objects.create(
            hostname="old-server",
            os="Linux",
            machine_id="old-1",
            owner=users["initech-carol"],
            registered_at=timezone.now(),
        )
    assert entries(tenants["initech"]) == {}
    backfill(apps, SimpleNamespace(connection=connection))
    backfill(apps, SimpleNamespace(connection=connection))  # running twice adds nothing
    assert entries(tenants["initech"]) == {"old-server": ("initech-carol", "Initech", [])}


def test_plan_entries_follow_create_rename_and_delete(tenants, users):
    from agents.directory.models import PlanEntry

    def plans():
        return {e.name: e.schedule for e in PlanEntry.objects.filter(tenant=tenants["initech"])}

    admin = users["initech-admin"]
    plan = plan_services.plan_create(
        actor=admin, tenant=tenants["initech"], data={"name": "Laptops"}, origin=CLI
    )
    assert plans() == {"Servers nightly": "daily", "Laptops": "daily"}
    plan = plan_services.plan_update(
        actor=admin,
        tenant=tenants["initech"],
        plan=plan,
        data={"name": "Notebooks", "schedule": "weekly"},
        origin=CLI,
    )
    assert plans() == {"Servers nightly": "daily", "Notebooks": "weekly"}
    plan_services.plan_delete(actor=admin, tenant=tenants["initech"], plan=plan, origin=CLI)
    assert plans() == {"Servers nightly": "daily"}


def test_the_plan_backfill_migration_lists_plans_created_before_the_directory(tenants, users):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from agents.directory.models import PlanEntry

    PlanEntry.objects.filter(tenant=tenants["globex"]).delete()
    backfill = importlib.import_module("agents.directory.migrations.0004_backfill_plans").backfill
    backfill(apps, SimpleNamespace(connection=connection))
    names = set(PlanEntry.objects.filter(tenant=tenants["globex"]).values_list("name", flat=True))
    assert names == {"Daily backup", "Weekly full image"}


# --- One device id in two customers ------------------------------------------------------
# Device ids come from each customer's own sequence, so Globex's device 5 and Initech's
# device 5 are two machines: every directory write must name its customer as well.


def twins(tenants, users):
    """Alice's registered machine at Globex (with the agent client of its secret) and an
    Initech machine with the same device id, running "Servers nightly"."""
    _, value = make_token(
        tenants["globex"], users["globex-alice"], actor=users["globex-admin"], plan="Daily backup"
    )
    client = agent(register(value).json()["agent_secret"])
    [globex] = devices_in(tenants["globex"])
    initech = make_device(
        tenants["initech"],
        users["initech-carol"],
        hostname="carol-server",
        plans=["Servers nightly"],
        id=globex.pk,
    )
    assert initech.pk == globex.pk
    return value, client


def test_a_plan_change_rewrites_only_its_customers_entry_of_a_shared_device_id(tenants, users):
    value, client = twins(tenants, users)
    applied = client.post("/api/v1/agents/me/plan/apply", {"token": value}, format="json")
    assert applied.status_code == 200
    assert entries(tenants["globex"])["alice-laptop"][2] == ["Daily backup"]
    assert entries(tenants["initech"])["carol-server"][2] == ["Servers nightly"]


def test_an_unregister_deletes_only_its_customers_entry_of_a_shared_device_id(tenants, users):
    _, client = twins(tenants, users)
    assert client.post("/api/v1/agents/me/unregister").status_code == 204
    assert entries(tenants["globex"]) == {}
    assert entries(tenants["initech"]) == {
        "carol-server": ("initech-carol", "Initech", ["Servers nightly"])
    }


def test_a_customer_rename_stays_out_of_its_sibling_customers_entries(tenants, users):
    twins(tenants, users)
    tenant_services.tenant_rename(
        actor=users["msp-admin"], tenant=tenants["initech"], name="Initech Ltd", origin=CLI
    )
    assert entries(tenants["initech"])["carol-server"][1] == "Initech Ltd"
    assert entries(tenants["globex"])["alice-laptop"][1] == "Globex"
    plan_customers = set(
        PlanEntry.objects.filter(tenant=tenants["globex"]).values_list("customer_name", flat=True)
    )
    assert plan_customers == {"Globex"}
