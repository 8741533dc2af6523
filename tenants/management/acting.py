"""The base of the management commands that act as a user (`--as USERNAME`).

Such a command calls the same services as the console and the API, with the same role and
scope checks and audit trail; a refusal becomes one CommandError line.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from tenants.models import User


class ActingCommand(BaseCommand):
    # Sub-command -> method name (without its leading underscore), where they differ.
    METHODS: dict[str, str] = {}

    def handle(self, *args, action, actor, **options):
        user = self._actor(actor)
        try:
            getattr(self, f"_{self.METHODS.get(action, action)}")(user, **options)
        except (ValidationError, PermissionDenied, Http404) as error:
            raise CommandError(self._describe(error)) from None

    def _actor(self, username):
        """The active user named, or else the first active platform superuser."""
        users = User.objects.filter(is_active=True)
        user = users.filter(username=username).first() if username else None
        if username and user is None:
            raise CommandError(f"No active user {username!r}.")
        user = user or users.filter(is_superuser=True).order_by("pk").first()
        if user is None:
            raise CommandError("No active superuser to act as; pass --as USERNAME.")
        return user

    @staticmethod
    def _describe(error) -> str:
        if isinstance(error, Http404):
            return "Not found (or outside your scope)."
        if isinstance(error, PermissionDenied):
            return str(error) or "Not allowed."
        return "; ".join(error.messages)
