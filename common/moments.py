"""An exact moment as people read it, naming its time zone: what the pages show on hover
and what messages say ("The token was extended: it now expires on ...")."""

import datetime

from django.utils import timezone

from .datetimes import local_datetime


def exact(moment: datetime.datetime) -> str:
    """The moment in the current time zone, naming the zone: "Dec. 6, 2026, 1:28 p.m. CET
    (UTC+01:00)", or "... UTC"."""
    local = timezone.localtime(moment)
    text = local_datetime(local)
    name = local.tzname() or ""
    offset = local.utcoffset() or datetime.timedelta(0)
    if name == "UTC" and not offset:
        return f"{text} UTC"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{text} {name} (UTC{sign}{hours:02d}:{rest:02d})"
