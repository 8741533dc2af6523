from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from tenants.models import Tenant
from tenants.schemas import ensure_template_schema, schemas_behind

# Above this many schemas to migrate, django-tenants' parallel executor migrates them all.
PARALLEL_FROM = 10


class Command(BaseCommand):
    help = (
        "Migrate the public schema, the tenant template schema and every tenant schema that "
        "has migrations to apply. Safe to run again; quick when there is nothing to apply."
    )

    def handle(self, *args, **options):
        if settings.DATABASE_POOLER:
            # Long DDL transactions would hold the pooler's few server connections, and an
            # index built CONCURRENTLY needs a session of its own.
            raise CommandError(
                "setup_portal needs a direct database connection: run it with DATABASE_URL "
                "set to DATABASE_DIRECT_URL and DATABASE_POOLER unset (the launcher does)."
            )
        verbosity = options["verbosity"]
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        ensure_template_schema(verbosity=verbosity)
        schemas = list(Tenant.objects.values_list("schema_name", flat=True))
        behind = schemas_behind(schemas)
        if len(behind) > PARALLEL_FROM:
            call_command(
                "migrate_schemas",
                tenant=True,
                executor="multiprocessing",
                interactive=False,
                verbosity=verbosity,
            )
        for name in behind if len(behind) <= PARALLEL_FROM else ():
            call_command(
                "migrate_schemas",
                tenant=True,
                schema_name=name,
                interactive=False,
                verbosity=verbosity,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Schemas are up to date ({len(behind)} of {len(schemas)} tenant schemas migrated)."
            )
        )
