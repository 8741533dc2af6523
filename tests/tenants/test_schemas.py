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
    # The slug is the name and a random suffix (another partner's "hooli" says nothing).
    assert customer.schema_name == "t_" + customer.slug.replace("-", "_")
    assert customer.slug.startswith("hooli-")
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


@pytest.mark.parametrize("kind", ["customer", "unit", "folder"])
def test_only_a_partner_stands_at_the_top_of_a_tree(tenants, kind):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Tenant.objects.filter(slug="initech").update(kind=kind, parent=None)


def test_a_partner_may_stand_under_a_partner(tenants):
    # A distributor's reseller: the database takes it (the services say where).
    Tenant.objects.filter(slug="other-msp").update(parent=tenants["demo-msp"])
    moved = Tenant.objects.get(slug="other-msp")
    assert moved.lineage == [tenants["demo-msp"].pk, moved.pk]
    assert moved.family == tenants["demo-msp"].pk


def _shape(schema):
    """Tables, columns, indexes and constraints of a schema, with its name taken out."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type, is_nullable, is_identity,"
            " coalesce(column_default, '') FROM information_schema.columns"
            " WHERE table_schema = %s ORDER BY 1, 2",
            [schema],
        )
        columns = cursor.fetchall()
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes"
            " WHERE schemaname = %s ORDER BY 1, 2",
            [schema],
        )
        indexes = [(t, n, d.replace(schema, "S")) for t, n, d in cursor.fetchall()]
        cursor.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)"
            " FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace"
            " WHERE n.nspname = %s ORDER BY 2",
            [schema],
        )
        constraints = [
            (t.replace(f"{schema}.", ""), n, d.replace(schema, "S"))
            for t, n, d in cursor.fetchall()
        ]
    return columns, indexes, constraints


def test_a_new_customer_has_the_migrated_templates_tables_and_records(tenants, users):
    """New schemas are built from the models, not migrated: they must not differ."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        customer = services.customer_create(
            actor=users["msp-admin"], partner=tenants["demo-msp"], name="Pied Piper", origin=CLI
        )
    template = _shape("tenant_template")
    assert {"agents_device", "agents_device_plans"} <= {column[0] for column in template[0]}
    assert _shape(customer.schema_name) == template
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app, name FROM {customer.schema_name}.django_migrations")  # noqa: S608
        recorded = set(cursor.fetchall())
        cursor.execute("SELECT app, name FROM tenant_template.django_migrations")
        assert recorded == set(cursor.fetchall()) != set()
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "clone_schema" not in sql and "CREATE OR REPLACE FUNCTION" not in sql


def test_only_schemas_missing_a_migration_are_behind(tenants):
    from tenants.schemas import schemas_behind

    assert schemas_behind(["t_globex", "t_initech", "tenant_template"]) == []
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM t_globex.django_migrations WHERE app = 'agents'")
    assert schemas_behind(["t_globex", "t_initech"]) == ["t_globex"]
    assert schemas_behind(["t_no_such_schema"]) == ["t_no_such_schema"]
