"""Usage counters: machines registered and failed token uses per customer and day (UTC).

Monitoring > Usage reads their rollups (`usage_by_day`), never the devices nor the
tenants' rows: each level of the tree has its own daily totals (`UsageRollup`, kept by a
database trigger on these rows and shifted by a move), so a distributor's All customers is
30 rows of one index, as a single customer's is.

- Registrations are added to by the registration statement itself, in its transaction and
  only when it inserts a device (agents/services/registration_sql.py, the `usage` branch).
- Failures are added to where a failed token use is answered
  (`tokens.throttling.TokenUsingAPIView._failure`), with the token's customer when it is
  known; an unknown token has none: its failures are counted for the platform (tenant and
  family null) and appear at no customer or partner level.
"""

import datetime
import logging
from dataclasses import dataclass

from django.db import DatabaseError, connection
from django.utils import timezone

from tenants.models import Tenant

from .models import UsageDay, UsageRollup

logger = logging.getLogger(__name__)

DAYS = 30

_COUNT_FAILURE = """
INSERT INTO {table} AS u (tenant_id, family, day, registrations, failures)
VALUES (%s, %s, %s, 0, 1)
ON CONFLICT (tenant_id, day) DO UPDATE SET failures = u.failures + 1
"""


def today_utc(now: datetime.datetime | None = None) -> datetime.date:
    return (now or timezone.now()).astimezone(datetime.UTC).date()


def count_failure(tenant: Tenant | None, now: datetime.datetime | None = None) -> None:
    """One failed token use today (one statement). A database error is logged, not raised:
    the failure's answer (400/401) does not depend on its counter."""
    table = connection.ops.quote_name(UsageDay._meta.db_table)
    params = [tenant.pk if tenant else None, tenant.family if tenant else None, today_utc(now)]
    try:
        with connection.cursor() as cursor:
            cursor.execute(_COUNT_FAILURE.format(table=table), params)
    except DatabaseError:
        if connection.in_atomic_block:
            raise
        logger.warning("Failed token use not counted", exc_info=True)


@dataclass(frozen=True)
class UsageOfDay:
    day: datetime.date
    registrations: int
    failures: int


def usage_by_day(
    level: Tenant, *, days: int = DAYS, today: datetime.date | None = None
) -> list[UsageOfDay]:
    """The last `days` days up to today (oldest first, days without rows as zeros) of a
    level and everything below it (at a partner or folder, All customers): one read of
    the level's own rollups, at most `days` rows whatever the size of its subtree."""
    today = today or today_utc()
    start = today - datetime.timedelta(days=days - 1)
    rows = UsageRollup.objects.filter(level=level, day__gte=start, day__lte=today)
    sums = {day: (r, f) for day, r, f in rows.values_list("day", "registrations", "failures")}
    return [
        UsageOfDay(
            day=day,
            registrations=sums.get(day, (0, 0))[0],
            failures=sums.get(day, (0, 0))[1],
        )
        for day in (start + datetime.timedelta(days=n) for n in range(days))
    ]
