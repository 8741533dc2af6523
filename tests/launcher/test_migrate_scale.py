"""The data migrations that visit every customer schema run from zero against 2,000 customers
(issue 19, item 4): in one transaction they ran out of PostgreSQL's lock table at about 1,400.

A database of the test's own: migrated for real, the directory migrated back to before its
backfills, then 2,000 customers made cheaply in SQL (tenant rows in one statement; per schema
only the tables the backfills read, copied from the template with their indexes, three devices
and two plans, and the template's migration records), then `setup_portal` runs the backfills
forwards as an upgrade would. Slow (a minute or two): end-to-end tier.
"""

import os
import time
from pathlib import Path

import psycopg
import pytest

from tests.launcher.manage import manage, own_database
from tests.launcher.many_tenants import make_customers

CUSTOMERS = int(os.environ.get("SCALE_CUSTOMERS", "2000"))
DIRECTORY_MIGRATIONS = Path(__file__).resolve().parents[2] / "agents" / "directory" / "migrations"


@pytest.fixture
def scale_database():
    with own_database("scale") as url:
        yield url


def test_schema_visiting_migrations_run_from_zero_at_scale(scale_database):
    env = {**os.environ, "DATABASE_URL": scale_database}
    manage(env, "setup_portal", "-v0", check=True)
    # Back to before the backfills (0003 drops the plan directory; the others go back as no-ops).
    manage(env, "migrate_schemas", "--shared", "agents_directory", "0001", "-v0", check=True)
    built = time.monotonic()
    make_customers(scale_database, CUSTOMERS)
    built = time.monotonic() - built

    started = time.monotonic()
    upgrade = manage(env, "setup_portal", check=True)
    upgraded = time.monotonic() - started
    # Every directory migration after 0001 again (the backfills, then the sort indexes).
    after_first = len(list(DIRECTORY_MIGRATIONS.glob("0*.py"))) - 1
    assert f"{after_first} migrations applied (public schema)" in upgrade.stdout, upgrade.stdout

    started = time.monotonic()
    manage(env, "setup_portal", "-v0", check=True)
    noop = time.monotonic() - started
    print(
        f"\n{CUSTOMERS} customers: built in {built:.1f} s, backfill upgrade {upgraded:.1f} s,"
        f" setup_portal with nothing to apply {noop:.1f} s"
    )

    with psycopg.connect(scale_database) as conn:
        devices = conn.execute(
            "SELECT count(DISTINCT tenant_id), count(*) FROM agents_directory_deviceentry"
        ).fetchone()
        plans = conn.execute(
            "SELECT count(DISTINCT tenant_id), count(*) FROM agents_directory_planentry"
        ).fetchone()
        names = conn.execute(
            "SELECT e.device_id, e.plan_names, e.customer_slug, e.partner_id = t.family"
            " FROM agents_directory_deviceentry e JOIN tenants_tenant t ON t.id = e.tenant_id"
            " WHERE t.slug = %s ORDER BY e.device_id",
            [f"scale-{CUSTOMERS}"],
        ).fetchall()
    assert devices == (CUSTOMERS, 3 * CUSTOMERS)
    assert plans == (CUSTOMERS, 2 * CUSTOMERS)
    slug = f"scale-{CUSTOMERS}"
    assert names == [
        (1, ["Daily", "Weekly"], slug, True),
        (2, ["Weekly"], slug, True),
        (3, [], slug, True),
    ]
