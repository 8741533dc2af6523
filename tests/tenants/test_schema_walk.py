"""The walk data migrations use to visit every customer schema (issue 19, item 4): it refuses
to run inside one transaction, it reruns without duplicating (an interrupted upgrade is run
again), and it reports progress. The 2,000-customer run is tests/launcher/test_migrate_scale.py.
"""

import importlib
import io

import pytest
from django.apps import apps
from django.db import connection

from agents.directory.models import DeviceEntry, PlanEntry
from tenants.models import Tenant
from tenants.schema_walk import for_each_tenant_schema, walk_tenant_schemas
from tests.factories import make_device

DEVICES = importlib.import_module("agents.directory.migrations.0002_backfill")
PLANS = importlib.import_module("agents.directory.migrations.0004_backfill_plans")


def _walk(module, table, **kwargs):
    kwargs.setdefault("report_every", 60.0)
    kwargs.setdefault("out", io.StringIO())
    return walk_tenant_schemas(
        connection, Tenant, module._backfill_one, table=table, label="test", **kwargs
    )


def test_every_schema_visiting_migration_is_non_atomic():
    for module in (DEVICES, PLANS):
        assert module.Migration.atomic is False, module.__name__


def test_the_walk_refuses_to_run_in_an_atomic_migration(db):
    with connection.schema_editor(atomic=True) as editor:
        assert editor.atomic_migration
        with pytest.raises(RuntimeError, match="atomic = False"):
            for_each_tenant_schema(apps, editor, lambda cursor, t: None, table="x", label="x")


def test_the_backfills_refill_what_is_missing_and_rerun_without_duplicates(tenants, users):
    make_device(tenants["globex"], users["globex-alice"], plans=["Daily backup"])
    make_device(tenants["initech"], users["initech-carol"])
    devices = sorted(DeviceEntry.objects.values_list("tenant_id", "device_id", "plan_names"))
    plans = sorted(PlanEntry.objects.values_list("tenant_id", "plan_id", "name"))
    assert devices and plans
    # As if the run had been interrupted after Globex: Initech's rows are missing.
    DeviceEntry.objects.filter(tenant=tenants["initech"]).delete()
    PlanEntry.objects.filter(tenant=tenants["initech"]).delete()

    customers = Tenant.objects.filter(kind="customer").count()
    for _ in range(2):
        assert _walk(DEVICES, "agents_device") == customers
        assert _walk(PLANS, "agents_protectionplan") == customers
        assert sorted(DeviceEntry.objects.values_list("tenant_id", "device_id", "plan_names")) == (
            devices
        )
        assert sorted(PlanEntry.objects.values_list("tenant_id", "plan_id", "name")) == plans


def test_the_walk_reports_progress_only_when_slow(tenants):
    quiet, chatty = io.StringIO(), io.StringIO()
    _walk(PLANS, "agents_protectionplan", out=quiet)
    count = _walk(PLANS, "agents_protectionplan", out=chatty, report_every=0)
    assert quiet.getvalue() == ""
    lines = chatty.getvalue().split()
    assert f"{count}/{count}" in lines
    assert chatty.getvalue().rstrip().endswith("s") and "done in" in chatty.getvalue()
