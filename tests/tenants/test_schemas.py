import pytest
from django.db import connection
from django_tenants.utils import schema_context, tenant_context

from agents.models import Device, ProtectionPlan
from tenants import services
from tenants.audit import CLI
from tenants.models import Tenant
from tests.factories import make_device


def test_each_customer_sees_only_the_plans_in_its_own_schema(tenants):
    with tenant_context(tenants["globex"]):
        assert set(ProtectionPlan.objects.values_list("name", flat=True)) == {
            "Daily backup",
            "Weekly full image",
        }
    with tenant_context(tenants["initech"]):
        assert list(ProtectionPlan.objects.values_list("name", flat=True)) == ["Servers nightly"]


def test_a_device_written_in_one_schema_does_not_exist_in_another(tenants, users):
    make_device(tenants["globex"], users["globex-alice"], hostname="alice-laptop")
    with tenant_context(tenants["initech"]):
        assert not Device.objects.filter(hostname="alice-laptop").exists()
    with tenant_context(tenants["globex"]):
        assert Device.objects.get(hostname="alice-laptop").owner == users["globex-alice"]


def test_tenant_tables_do_not_exist_in_the_public_schema(db):
    """Devices and plans live only in customer schemas; the public schema holds their
    directory (agents_directory_*) and nothing else of the agents app."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_name LIKE 'agents_%%' AND table_schema IN ('public', 't_globex')"
        )
        found = set(cursor.fetchall())
    assert ("public", "agents_directory_deviceentry") in found
    assert ("t_globex", "agents_device") in found
    assert {t for s, t in found if s == "public"} == {
        "agents_directory_deviceentry",
        "agents_directory_planentry",
    }
    assert not any(t.startswith("agents_directory") for s, t in found if s == "t_globex")


def test_new_customer_is_cloned_from_the_template_and_usable_at_once(tenants, users):
    customer = services.customer_create(
        actor=users["msp-admin"], partner=tenants["demo-msp"], name="Hooli", origin=CLI
    )
    assert customer.schema_name == "t_hooli"
    # Cloned, not migrated: the tenant apps' migrations are recorded as applied (faked).
    from django.db.migrations.loader import MigrationLoader

    on_disk = {name for app, name in MigrationLoader(None).disk_migrations if app == "agents"}
    with schema_context(customer.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT name FROM django_migrations WHERE app = 'agents'")
        assert {row[0] for row in cursor.fetchall()} == on_disk != set()
    with tenant_context(customer):
        plan = ProtectionPlan.objects.create(name="First plan")
        assert list(ProtectionPlan.objects.all()) == [plan]
    make_device(customer, users["msp-admin"], hostname="first-device")
    with tenant_context(customer):
        assert Device.objects.count() == 1


def test_template_schema_holds_no_data(db):
    with schema_context("tenant_template"):
        assert ProtectionPlan.objects.count() == 0
        assert Device.objects.count() == 0


@pytest.mark.parametrize("kind,parent", [("customer", None), ("partner", "demo-msp")])
def test_customer_needs_a_partner_and_partner_has_none(tenants, kind, parent):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Tenant.objects.filter(slug="initech").update(
            kind=kind, parent=tenants[parent] if parent else None
        )


def test_a_new_customer_is_one_clone_statement_without_reinstalling_the_clone_function(
    tenants, users
):
    from django.test.utils import CaptureQueriesContext

    services.customer_create(
        actor=users["msp-admin"], partner=tenants["demo-msp"], name="Warm", origin=CLI
    )
    with CaptureQueriesContext(connection) as queries:
        services.customer_create(
            actor=users["msp-admin"], partner=tenants["demo-msp"], name="Pied Piper", origin=CLI
        )
    sql = [q["sql"] for q in queries.captured_queries]
    assert not any("CREATE OR REPLACE FUNCTION" in s for s in sql)
    assert sum("clone_schema(" in s for s in sql) == 1
    assert not any("django_migrations" in s and "INSERT" in s for s in sql)  # cloned, not faked


def test_only_schemas_missing_a_migration_are_behind(tenants):
    from tenants.schemas import schemas_behind

    assert schemas_behind(["t_globex", "t_initech", "tenant_template"]) == []
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM t_globex.django_migrations WHERE app = 'agents'")
    assert schemas_behind(["t_globex", "t_initech"]) == ["t_globex"]
    assert schemas_behind(["t_no_such_schema"]) == ["t_no_such_schema"]
