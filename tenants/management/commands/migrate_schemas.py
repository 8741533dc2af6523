"""`manage.py migrate_schemas` (and `manage.py migrate`, the same command): django-tenants'
command, followed by the template schema new tenants are created from, so that Django's own
command leaves the portal as `setup_portal` does (without the template, /readyz answers 503
and each new customer migrates a schema of its own, seconds instead of milliseconds).

Why a command and not a `post_migrate` handler: Django sends post_migrate once per app and
per schema django-tenants migrates, again for the template's own migration (which would
recurse), and after every `flush` of the test suite; the command runs once, after the whole
run, and knows what was asked. The `tenants` app is listed before `django_tenants` in
SHARED_APPS so that this command, not django-tenants' own, answers to these names.
"""

from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
from django_tenants.utils import get_public_schema_name, get_tenant_database_alias

from tenants.schemas import ensure_template_schema


class Command(MigrateSchemasCommand):
    help = (
        "Migrate the public schema and every tenant schema (django-tenants), then create or "
        "migrate the template schema new tenants are created from."
    )

    def handle(self, *args, **options):
        super().handle(*args, **options)
        if self._migrates_every_tenant_schema(options):
            # Its own migrate_schemas run names the template's schema: no recursion.
            ensure_template_schema(verbosity=options["verbosity"])

    def _migrates_every_tenant_schema(self, options) -> bool:
        """A whole run forwards: not one schema (the template's own run among them), not one
        app or a target migration (which may go backwards), not a plan, check or fake."""
        partial = options.get("app_label") or options.get("migration_name")
        dry = options.get("plan") or options.get("check_unapplied") or options.get("fake")
        return (
            self.sync_tenant
            and self.schema_name in (None, get_public_schema_name())
            and not partial
            and not dry
            and options.get("database", get_tenant_database_alias()) == get_tenant_database_alias()
        )
