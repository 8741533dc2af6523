"""A django-tenants command this portal replaces: it saved a tenant as it was told, skipping
the tree's rules (which kind stands under which), the scope and the audit log."""

from django.core.management.base import BaseCommand, CommandError


class RefusedTenantCommand(BaseCommand):
    help = "Not available: use `manage.py tenants create` (the tree's rules, audited)."

    def add_arguments(self, parser):
        parser.add_argument("args", nargs="*")

    def handle(self, *args, **options):
        raise CommandError(
            "Tenants are created with `manage.py tenants create --parent ID --kind KIND "
            "--name NAME`, under the tree's rules and audited."
        )
