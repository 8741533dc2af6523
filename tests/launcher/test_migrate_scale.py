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

ROOT = Path(__file__).resolve().parents[2]
CUSTOMERS = int(os.environ.get("SCALE_CUSTOMERS", "2000"))
BATCH = 100  # schemas per transaction while building: creating them locks too
TEMPLATE = "tenant_template"

BUILD_SCHEMA = """
CREATE SCHEMA {s};
CREATE TABLE {s}.agents_protectionplan (LIKE {t}.agents_protectionplan INCLUDING INDEXES);
CREATE TABLE {s}.agents_device (LIKE {t}.agents_device INCLUDING INDEXES);
CREATE TABLE {s}.agents_device_plans (LIKE {t}.agents_device_plans INCLUDING INDEXES);
CREATE TABLE {s}.django_migrations (LIKE {t}.django_migrations INCLUDING INDEXES);
INSERT INTO {s}.django_migrations SELECT * FROM {t}.django_migrations;
INSERT INTO {s}.agents_protectionplan
    (id, name, what_to_back_up, schedule, start_time, retention_days, encryption,
     created_at, updated_at)
VALUES (1, 'Daily', 'files', 'daily', '02:00', 30, true, now(), now()),
       (2, 'Weekly', 'files', 'weekly', '03:00', 90, false, now(), now());
INSERT INTO {s}.agents_device
    (id, agent_id, hostname, os, machine_id, agent_version, registered_at,
     registered_token_prefix, owner_id)
SELECT i, gen_random_uuid(), 'host-' || i, 'Linux', 'm' || i, '1.0', now(), 'ab', {owner}
FROM generate_series(1, 3) i;
INSERT INTO {s}.agents_device_plans (id, device_id, protectionplan_id)
VALUES (1, 1, 1), (2, 1, 2), (3, 2, 2);
"""


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


def _make_customers(url: str, count: int) -> None:
    """A partner, its owner account and `count` customers with schemas, in batches."""
    with psycopg.connect(url, autocommit=True) as conn:
        partner = conn.execute(
            "INSERT INTO tenants_tenant (schema_name, name, slug, kind, created_at)"
            " VALUES ('t_scale_partner', 'Scale partner', 'scale-partner', 'partner', now())"
            " RETURNING id"
        ).fetchone()[0]
        conn.execute("UPDATE tenants_tenant SET family = id WHERE id = %s", [partner])
        owner = conn.execute(
            "INSERT INTO tenants_user (password, is_superuser, username, first_name, last_name,"
            " email, is_staff, is_active, date_joined, role, tenant_id, family)"
            " VALUES ('!', false, 'scale-owner', '', '', '', false, true, now(), 'admin', %s, %s)"
            " RETURNING id",
            [partner, partner],
        ).fetchone()[0]
        conn.execute(BUILD_SCHEMA.format(s="t_scale_partner", t=TEMPLATE, owner=owner))
        conn.execute(
            "INSERT INTO tenants_tenant"
            " (schema_name, name, slug, kind, created_at, parent_id, family)"
            " SELECT 't_scale_' || i, 'Scale ' || i, 'scale-' || i, 'customer', now(), %s, %s"
            " FROM generate_series(1, %s) i",
            [partner, partner, count],
        )
        for start in range(1, count + 1, BATCH):
            with conn.transaction():
                for i in range(start, min(start + BATCH, count + 1)):
                    conn.execute(BUILD_SCHEMA.format(s=f"t_scale_{i}", t=TEMPLATE, owner=owner))


def test_schema_visiting_migrations_run_from_zero_at_scale(scale_database):
    env = {**os.environ, "DATABASE_URL": scale_database}
    _manage(env, "setup_portal", "-v0")
    # Back to before the backfills (0003 drops the plan directory; the others go back as no-ops).
    _manage(env, "migrate_schemas", "--shared", "agents_directory", "0001", "-v0")
    built = time.monotonic()
    _make_customers(scale_database, CUSTOMERS)
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
