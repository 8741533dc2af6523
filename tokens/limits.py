"""A token's lifetime and machine limit: the checks of `tokens.services`, on their own."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .models import MAX_MACHINES

MIN_LIFETIME = datetime.timedelta(seconds=60)
MAX_LIFETIME = datetime.timedelta(days=365)
DEFAULT_LIFETIME = datetime.timedelta(days=3)

MSG_LIFETIME = gettext_noop("The token lifetime must be between 60 seconds and 1 year.")
MSG_MAX_MACHINES = gettext_noop("The machine limit must be a whole number from 1 to 10,000.")


def lifetime_of(lifetime: datetime.timedelta | int | str) -> datetime.timedelta:
    if not isinstance(lifetime, datetime.timedelta):
        try:
            lifetime = datetime.timedelta(seconds=int(lifetime))
        except (TypeError, ValueError, OverflowError):
            raise ValidationError({"expires_in": _(MSG_LIFETIME)}) from None
    if not MIN_LIFETIME <= lifetime <= MAX_LIFETIME:
        raise ValidationError({"expires_in": _(MSG_LIFETIME)})
    return lifetime


def machine_limit(value: int | str | None) -> int | None:
    if value in (None, ""):
        return None
    try:
        limit = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError({"max_machines": _(MSG_MAX_MACHINES)}) from None
    if not 1 <= limit <= MAX_MACHINES:
        raise ValidationError({"max_machines": _(MSG_MAX_MACHINES)})
    return limit
