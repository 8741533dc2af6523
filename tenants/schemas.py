"""Schema-level helpers: the template schema new tenants are cloned from, and knowing which
schemas have migrations to apply."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_exists

# Set once this process has made sure the database has django-tenants' clone function.
_clone_function_ready = False


def install_clone_function() -> None:
    """(Re)install django-tenants' `clone_schema` function: once per deployment, by
    setup_portal, instead of once per new tenant as django-tenants does."""
    global _clone_function_ready  # noqa: PLW0603 - a per-process memo
    CloneSchema()._create_clone_schema_function()
    _clone_function_ready = True


def _ensure_clone_function() -> None:
    global _clone_function_ready  # noqa: PLW0603 - a per-process memo
    if _clone_function_ready:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = 'public' AND p.proname = 'clone_schema'"
        )
        found = cursor.fetchone() is not None
    if found:
        _clone_function_ready = True
    else:
        install_clone_function()


def clone_template(schema_name: str) -> bool:
    """Create `schema_name` as a copy of the template schema, tables and recorded
    migrations included; False (nothing done) when there is no template to clone.

    One statement with the clone function already in place; django-tenants would also
    re-create the function and run a faked migrate for every tenant, and both grow slower
    with the number of tenants and the age of the connection.
    """
    template = settings.TENANT_BASE_SCHEMA
    if not schema_exists(template):
        return False
    _ensure_clone_function()
    if schema_exists(schema_name, case_sensitive=False):
        raise ValidationError("New schema name already exists")
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT clone_schema(%s, %s, 'DATA')", [template, schema_name])
    return True


def ensure_template_schema(verbosity: int = 0) -> None:
    """Create the template schema if needed and bring it up to date with the tenant apps.

    New tenants are cloned from it (with their recorded migrations), so it must be migrated
    whenever the tenant apps' migrations change.
    """
    name = settings.TENANT_BASE_SCHEMA
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {connection.ops.quote_name(name)}")
    if name in schemas_behind([name]):
        call_command(
            "migrate_schemas", tenant=True, schema_name=name, interactive=False, verbosity=verbosity
        )
    connection.set_schema_to_public()


def schemas_behind(schema_names: list[str]) -> list[str]:
    """The schemas among `schema_names` that have not recorded every migration on disk.

    One small query per schema (its django_migrations table), instead of a migrate run per
    schema: with nothing to apply, checking 1,000 tenants takes about a second.
    """
    on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    behind = []
    with connection.cursor() as cursor:
        for name in schema_names:
            cursor.execute(
                "SELECT 1 FROM information_schema.tables"
                " WHERE table_schema = %s AND table_name = 'django_migrations'",
                [name],
            )
            if cursor.fetchone() is None:
                behind.append(name)
                continue
            table = f"{connection.ops.quote_name(name)}.django_migrations"
            cursor.execute(f"SELECT app, name FROM {table}")  # noqa: S608 - a quoted schema name
            if on_disk - set(cursor.fetchall()):
                behind.append(name)
    return behind
