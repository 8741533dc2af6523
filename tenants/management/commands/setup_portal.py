from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name

from tenants.models import Tenant
from tenants.schemas import ensure_template_schema, pending_migrations

# Above this many schemas to migrate, django-tenants' parallel executor migrates them all.
PARALLEL_FROM = 10


def summary(applied: int, public: int, template: int, tenants: int, behind: int) -> str:
    """One line for the whole run: how many migrations went where, or "up to date"."""
    schemas = f"{tenants} tenant schema{'s' if tenants != 1 else ''}"
    if not applied:
        return f"Database: up to date (public schema, template schema and {schemas})."
    where = [
        *(["public schema"] if public else []),
        *(["template schema"] if template else []),
        *([f"{behind} of {schemas}"] if behind else []),
    ]
    listed = where[0] if len(where) == 1 else ", ".join(where[:-1]) + " and " + where[-1]
    return f"Database: {applied} migration{'s' if applied != 1 else ''} applied ({listed})."


class Command(BaseCommand):
    help = (
        "Migrate the public schema, the tenant template schema and every tenant schema that "
        "has migrations to apply. Safe to run again; quick when there is nothing to apply. "
        "Prints one summary line; -v2 shows every migration."
    )
    # Run below, and only when something is to be migrated: loading every URL and view for
    # them was a third of a no-op run's cost; `serve` and `check --deploy` still run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        # Kept from Django's default (dropped with requires_system_checks = []).
        parser.add_argument("--skip-checks", action="store_true", help="Skip system checks.")

    def handle(self, *args, **options):
        if settings.DATABASE_POOLER:
            # Long DDL transactions would hold the pooler's few server connections, and an
            # index built CONCURRENTLY needs a session of its own.
            raise CommandError(
                "setup_portal needs a direct database connection: run it with DATABASE_URL "
                "set to DATABASE_DIRECT_URL and DATABASE_POOLER unset (the launcher does)."
            )
        verbosity = options["verbosity"]
        # Each migration's own line only when asked for (-v2); the summary at -v1.
        detail = max(verbosity - 1, 0)
        public_count = sum(pending_migrations([get_public_schema_name()]).values())
        if public_count:
            # Every new migration is recorded in the public schema too, so this is the whole
            # "anything to do?" question. Not run for nothing: migrate's graph, state and
            # signals were most of the fixed cost of a setup with nothing to apply.
            if not options.get("skip_checks"):
                self.check()
            call_command("migrate_schemas", shared=True, interactive=False, verbosity=detail)
        template_count = ensure_template_schema(verbosity=detail)
        schemas = list(Tenant.objects.values_list("schema_name", flat=True))
        pending = {name: count for name, count in pending_migrations(schemas).items() if count}
        behind = list(pending)
        if len(behind) > PARALLEL_FROM:
            call_command(
                "migrate_schemas",
                tenant=True,
                executor="multiprocessing",
                interactive=False,
                verbosity=detail,
            )
        for name in behind if len(behind) <= PARALLEL_FROM else ():
            call_command(
                "migrate_schemas",
                tenant=True,
                schema_name=name,
                interactive=False,
                verbosity=detail,
            )
        applied = public_count + template_count + sum(pending.values())
        if verbosity:
            line = summary(applied, public_count, template_count, len(schemas), len(behind))
            self.stdout.write(self.style.SUCCESS(line))
