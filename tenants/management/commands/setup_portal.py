from django.core.management import call_command
from django.core.management.base import BaseCommand

from tenants.schemas import ensure_template_schema


class Command(BaseCommand):
    help = (
        "Migrate the public schema, the tenant template schema and every tenant schema. "
        "Safe to run again."
    )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        ensure_template_schema(verbosity=verbosity)
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=verbosity)
        self.stdout.write(self.style.SUCCESS("Schemas are up to date."))
