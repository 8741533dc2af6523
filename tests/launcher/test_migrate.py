"""Django's own `manage.py migrate` leaves the portal as `setup_portal` does: on an empty
database it migrates the public schema and the template schema, so that after `seed_demo`
/readyz answers 200 and a new customer is created from the template, with no migration run.

Real subprocesses on a database of the test's own (created here, dropped afterwards)."""

import json
import os
import re

import psycopg
import pytest

from tests.launcher.manage import manage, own_database

# Run by a fresh interpreter against the migrated and seeded database: the template schema,
# readiness as /readyz computes it (and the view itself), and a customer created while any
# migration run would be recorded.
CHECK = """
import json, django
django.setup()
from django.db.models.signals import pre_migrate
from django.test import Client
from django_tenants.signals import schema_pre_migration
from django_tenants.utils import schema_exists
from portal.readiness import readiness
from tenants import services
from tenants.audit import CLI
from tenants.models import Tenant, User

migrations = []
pre_migrate.connect(lambda **kw: migrations.append("migrate"), weak=False)
schema_pre_migration.connect(lambda **kw: migrations.append(kw["schema_name"]), weak=False)
template = schema_exists("tenant_template")
ready = readiness()
status = Client().get("/readyz").status_code
customer = services.customer_create(
    actor=User.objects.get(username="msp-admin"),
    partner=Tenant.objects.get(slug="demo-msp"),
    name="Hooli",
    origin=CLI,
)
print(json.dumps({
    "template": template, "ready": ready, "status": status,
    "schema": customer.schema_name, "exists": schema_exists(customer.schema_name),
    "migrations": migrations,
}))
"""


@pytest.fixture
def empty_database():
    with own_database("migrate") as url:
        yield url


def test_migrate_then_seed_demo_leaves_a_ready_portal_and_customers_cloned(
    empty_database, tmp_path
):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PORTAL_"))},
        "DATABASE_URL": empty_database,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "PORTAL_TEST_CACHE_DIR": str(tmp_path / "cache"),
    }
    manage(env, "migrate", "--noinput", "-v0", check=True)
    manage(env, "seed_demo", "--password", "migrate-test-password", "-v0", check=True)

    result = manage(env, "shell", "-c", CHECK, check=True)

    found = json.loads(result.stdout.splitlines()[-1])
    assert found["template"] is True
    assert found["ready"] == [True, {"database": "ok", "cache": "ok", "migrations": "ok"}]
    assert found["status"] == 200
    # A new customer's slug ends in a random suffix (it tells nobody whether another
    # partner has a customer of that name), and its schema follows it.
    assert re.fullmatch(r"t_hooli_[a-z0-9]{6}", found["schema"]) and found["exists"] is True
    assert found["migrations"] == []  # cloned from the template, not migrated


def test_migrate_again_and_migrate_schemas_find_nothing_to_do(empty_database, tmp_path):
    """Run twice, and as migrate_schemas: the template is up to date after each."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PORTAL_"))},
        "DATABASE_URL": empty_database,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "PORTAL_TEST_CACHE_DIR": str(tmp_path / "cache"),
    }
    manage(env, "migrate_schemas", "--noinput", "-v0", check=True)
    dsn = empty_database
    with psycopg.connect(dsn) as conn:
        count = "SELECT count(*) FROM tenant_template.django_migrations"
        applied = conn.execute(count).fetchone()[0]
        assert applied > 0
    result = manage(env, "migrate", "--noinput", check=True)
    assert "Applying" not in result.stdout
    with psycopg.connect(dsn) as conn:
        assert conn.execute(count).fetchone()[0] == applied
