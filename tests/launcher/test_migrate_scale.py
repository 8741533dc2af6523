"""The data migrations that visit every customer schema run from zero against 2,000 customers
(issue 19, item 4): in one transaction they ran out of PostgreSQL's lock table at about 1,400.

A database of the test's own: migrated for real, the directory migrated back to before its
backfills, then 2,000 customers made cheaply in SQL (tenant rows in one statement; per schema
only the tables the backfills read, copied from the template with their indexes, three devices
and two plans, and the template's migration records), then `setup_portal` runs the backfills
forwards as an upgrade would. Slow (a minute or two): end-to-end tier.
"""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings

from tests.launcher.many_tenants import make_customers

ROOT = Path(__file__).resolve().parents[2]
CUSTOMERS = int(os.environ.get("SCALE_CUSTOMERS", "2000"))


@pytest.fixture
def scale_database():
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_scale"
    host, port, user = db.get("HOST") or "", db.get("PORT") or "", db.get("USER") or ""
    admin = f"host={host} dbname=postgres user={user}" + (f" port={port}" if port else "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://{quote(user)}@{quote(host, safe='')}{':' + str(port) if port else ''}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    result = subprocess.run(  # noqa: S603 - this interpreter, the project's manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_schema_visiting_migrations_run_from_zero_at_scale(scale_database):
    env = {**os.environ, "DATABASE_URL": scale_database}
    _manage(env, "setup_portal", "-v0")
    # Back to before the backfills (0003 drops the plan directory; the others go back as no-ops).
    _manage(env, "migrate_schemas", "--shared", "agents_directory", "0001", "-v0")
    built = time.monotonic()
    make_customers(scale_database, CUSTOMERS)
    built = time.monotonic() - built

    started = time.monotonic()
    upgrade = _manage(env, "setup_portal", timeout=600)
    upgraded = time.monotonic() - started
    assert "3 migrations applied (public schema)" in upgrade.stdout, upgrade.stdout

    started = time.monotonic()
    _manage(env, "setup_portal", "-v0")
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
            "SELECT e.device_id, e.plan_names, e.customer_slug, e.partner_id = t.parent_id"
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
