"""Is a task worker alive? procrastinate's workers write a heartbeat into
`procrastinate_workers.last_heartbeat` every few seconds (update_heartbeat_interval, 10 s by
default), whatever their jobs are doing, and a worker that stopped leaves its row behind.
The age of the newest heartbeat is therefore how long no worker has reported in.

/readyz reports it as its "worker" check (ok, or stale after WORKER_STALE_AFTER seconds)
where READYZ_REQUIRE_WORKER is on; /metrics exports the age as a gauge either way, so an
alert can fire on a dead worker without taking web instances out of service.
"""

import logging
import math

from django.conf import settings
from django.db import connections

log = logging.getLogger(__name__)

OK, STALE, UNAVAILABLE = "ok", "stale", "unavailable"


def heartbeat_age() -> float:
    """Seconds since the newest worker heartbeat, measured by the database's clock (the
    heartbeats are written with it); infinity when no worker has ever reported in."""
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT EXTRACT(EPOCH FROM now() - max(last_heartbeat)) FROM procrastinate_workers"
        )
        row = cursor.fetchone()
    return math.inf if row is None or row[0] is None else max(0.0, float(row[0]))


def worker_check() -> str:
    """The readiness check "worker"; runs in a readiness thread, so it closes the thread's
    connection again (nothing else would: the thread serves no request)."""
    try:
        return OK if heartbeat_age() <= settings.WORKER_STALE_AFTER else STALE
    except Exception as error:  # noqa: BLE001 - reported as a state, never as text
        log.warning("Readiness: worker check failed (%s).", type(error).__name__)
        return UNAVAILABLE
    finally:
        connections["default"].close()
