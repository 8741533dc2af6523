"""Schema-level helpers: creating a tenant's schema, the migrated template schema that says
which migrations a new schema has, and knowing which schemas have migrations to apply."""

import functools

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.utils import schema_exists

# Schemas whose migration records one query reads (and holds a lock on) at once.
CHECK_BATCH = 500


def create_tenant_schema(schema_name: str) -> bool:
    """Create `schema_name` with the tenant apps' tables, and record the migrations the
    template schema has applied; False (nothing done) when there is no template.

    The tables come from the current models through Django's schema editor (a test keeps
    them identical to the migrated template), so a new customer costs a few CREATE
    statements whatever the number of tenants. django-tenants' clone function (and the
    faked migrate it runs next) introspects the whole catalog and grew from 0.2 s to over
    3 s per tenant at a few hundred tenants.
    """
    template = settings.TENANT_BASE_SCHEMA
    if not schema_exists(template):
        return False
    if schema_exists(schema_name, case_sensitive=False):
        raise ValidationError("New schema name already exists")
    quoted = connection.ops.quote_name(schema_name)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {quoted}")
    connection.set_schema(schema_name)
    try:
        with connection.schema_editor() as editor:
            for model in _tenant_models():
                editor.create_model(model)
            # Not the recorder's ensure_schema(): its table check lists every table in the
            # database (a catalog scan that grows with the tenants), for a schema just made.
            editor.create_model(MigrationRecorder.Migration)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quoted}.django_migrations (app, name, applied)"  # noqa: S608
                f" SELECT app, name, applied"
                f" FROM {connection.ops.quote_name(template)}.django_migrations"
            )
    finally:
        connection.set_schema_to_public()
    return True


def _tenant_models():
    shared = set(settings.SHARED_APPS)
    for app in settings.TENANT_APPS:
        if app not in shared:
            yield from apps.get_app_config(app.rsplit(".", 1)[-1]).get_models()


def ensure_template_schema(verbosity: int = 0) -> int:
    """Create the template schema if needed and bring it up to date with the tenant apps;
    the number of migrations it applied.

    New tenants record the migrations it has applied (and a test keeps their tables identical
    to its), so it must be migrated whenever the tenant apps' migrations change.
    """
    name = settings.TENANT_BASE_SCHEMA
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {connection.ops.quote_name(name)}")
    applied = pending_migrations([name])[name]
    if applied:
        call_command(
            "migrate_schemas", tenant=True, schema_name=name, interactive=False, verbosity=verbosity
        )
    connection.set_schema_to_public()
    return applied


def schemas_behind(schema_names: list[str]) -> list[str]:
    """The schemas among `schema_names` that have not recorded every migration on disk."""
    return [name for name, count in pending_migrations(schema_names).items() if count]


def pending_migrations(schema_names: list[str]) -> dict[str, int]:
    """How many migrations on disk each of `schema_names` has not recorded (all of them for a
    schema without a django_migrations table, such as one not created yet).

    One catalog query, then batched queries instead of a migrate run (or two queries against
    information_schema) per schema: first whether each schema has recorded the graph's leaf
    migrations (migrations apply in dependency order, so a schema with every leaf is up to
    date), then the full count for the schemas behind. With nothing to apply, 2,000 tenants
    take about a second. Batches of `CHECK_BATCH`, because one statement reading every
    schema's table would hold a lock on each of them at once (see schema_walk).
    """
    on_disk, leaves = disk_migrations()
    pending = dict.fromkeys(schema_names, len(on_disk))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relname = 'django_migrations' AND n.nspname = ANY(%s)",
            [list(schema_names)],
        )
        having = [row[0] for row in cursor.fetchall()]
        missing_leaves = _count_missing(cursor, having, leaves)
        behind = [name for name in having if missing_leaves[name]]
        pending.update({name: 0 for name in having if not missing_leaves[name]})
        pending.update(_count_missing(cursor, behind, on_disk))
    return pending


def _count_missing(cursor, schema_names: list[str], wanted: list[tuple[str, str]]) -> dict:
    """For each schema, how many of the `wanted` (app, name) its django_migrations lacks."""
    apps_, names = [app for app, _ in wanted], [name for _, name in wanted]
    counts = {}
    for start in range(0, len(schema_names), CHECK_BATCH):
        batch = schema_names[start : start + CHECK_BATCH]
        cursor.execute(_count_missing_sql(batch), [apps_, names, *batch])
        counts.update(dict(cursor.fetchall()))
    return counts


def _count_missing_sql(schema_names: list[str]) -> str:
    """One statement: each schema's name and how many of the migrations given as two arrays
    (apps, names) it has not recorded."""
    # Quoted schema names only; every value is a parameter.
    counts = " UNION ALL ".join(
        f"SELECT %s, count(*) FROM disk WHERE NOT EXISTS (SELECT 1 FROM"  # noqa: S608
        f" {connection.ops.quote_name(name)}.django_migrations m"
        f" WHERE m.app = disk.app AND m.name = disk.name)"
        for name in schema_names
    )
    disk = "WITH disk (app, name) AS (SELECT * FROM unnest(%s::text[], %s::text[]))"
    return f"{disk} {counts}"


@functools.cache
def disk_migrations() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The (app, name) of every migration on disk and of the graph's leaves, read once per
    process: loading the graph imports every migration module, a fixed cost the no-op
    setup_portal paid three times."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted(loader.disk_migrations), sorted(loader.graph.leaf_nodes())
