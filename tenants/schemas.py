"""Schema-level helpers: the template schema new tenants are cloned from."""

from django.conf import settings
from django.core.management import call_command
from django.db import connection


def ensure_template_schema(verbosity: int = 0) -> None:
    """Create the template schema if needed and bring it up to date with the tenant apps.

    django-tenants clones it for every new tenant (TENANT_CREATION_FAKES_MIGRATIONS), so it
    must be migrated whenever the tenant apps' migrations change.
    """
    name = settings.TENANT_BASE_SCHEMA
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {connection.ops.quote_name(name)}")
    call_command(
        "migrate_schemas", tenant=True, schema_name=name, interactive=False, verbosity=verbosity
    )
    connection.set_schema_to_public()
