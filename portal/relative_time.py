"""Times as people read them: "in 3 days", "5 minutes ago", and the exact time with its zone.

Django's `timeuntil` truncates (a fresh 3-day token, a second old, reads "2 days"); this
rounds to the nearest unit instead, and moves to the next unit when the rounded number
reaches it (59.5 minutes read "1 hour", 29.5 days "1 month").
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.moments import exact  # noqa: F401  (its home is common: the apps say it too)

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
MONTH = 30 * DAY
YEAR = 365 * DAY

# Each unit: its length in seconds, how many of it make the next unit, and how to say n of
# it from now, ahead and behind. Whole sentences, so each language can inflect the unit
# as the phrase needs (German says "in 3 Tagen" and "vor 3 Tagen", never "3 Tage").
_UNITS = (
    (
        MINUTE,
        60,
        lambda n: ngettext("in %(n)d minute", "in %(n)d minutes", n) % {"n": n},
        lambda n: ngettext("%(n)d minute ago", "%(n)d minutes ago", n) % {"n": n},
    ),
    (
        HOUR,
        24,
        lambda n: ngettext("in %(n)d hour", "in %(n)d hours", n) % {"n": n},
        lambda n: ngettext("%(n)d hour ago", "%(n)d hours ago", n) % {"n": n},
    ),
    (
        DAY,
        30,
        lambda n: ngettext("in %(n)d day", "in %(n)d days", n) % {"n": n},
        lambda n: ngettext("%(n)d day ago", "%(n)d days ago", n) % {"n": n},
    ),
    (
        MONTH,
        12,
        lambda n: ngettext("in %(n)d month", "in %(n)d months", n) % {"n": n},
        lambda n: ngettext("%(n)d month ago", "%(n)d months ago", n) % {"n": n},
    ),
    (
        YEAR,
        None,
        lambda n: ngettext("in %(n)d year", "in %(n)d years", n) % {"n": n},
        lambda n: ngettext("%(n)d year ago", "%(n)d years ago", n) % {"n": n},
    ),
)
JUST_NOW = 30  # seconds either side of now


def _round_half_up(value: float) -> int:
    return int(value + 0.5)


def relative(seconds: float) -> str:
    """`seconds` from now (negative: in the past) as "in 3 days", "2 hours ago", "just now":
    in the largest unit the duration rounds to at least one of."""
    if abs(seconds) < JUST_NOW:
        return _("just now")
    for length, next_unit, ahead, behind in _UNITS:
        n = max(1, _round_half_up(abs(seconds) / length))
        if next_unit is None or n < next_unit:
            return ahead(n) if seconds > 0 else behind(n)
    raise AssertionError("unreachable: the last unit has no limit")
