"""Compile the translation catalogues (.po to .mo) in pure Python: `portal.translations`."""

from django.conf import settings
from django.core.management.base import BaseCommand

from portal.translations import compile_all


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po to .mo (Babel; GNU gettext is not needed)."
    requires_system_checks = []  # runs before anything else, on settings alone

    def handle(self, *args, **options):
        compiled = compile_all(settings.LOCALE_PATHS)
        languages = sorted({c.language for c in compiled})
        messages = sum(c.messages for c in compiled)
        self.stdout.write(
            f"Translations compiled: {', '.join(languages) or 'none'} "
            f"({len(compiled)} catalogues, {messages} messages)."
        )
