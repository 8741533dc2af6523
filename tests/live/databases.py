"""The databases of served test portals, copied from one prepared template.

Migrating (226 migrations, public and template schema) and seeding the demo data took most
of a live module's set-up, and every module did it again in two new processes. Now one
database is migrated (`setup_portal`) and seeded (`seed_demo`) once, and each live database
is `CREATE DATABASE ... TEMPLATE` of it: PostgreSQL copies the files, in about a second.

The template is kept between runs under a name that carries a hash of everything that
shapes its content (migrations, the seeding and setup commands, the apps' code, the
installed libraries, the demo password), so a second run with the same code skips the
migrations; a change to any of them names a new template and the old ones are dropped.
It is built under a name of its own process and renamed when complete, so a run cut off
half-way never leaves a template that looks ready. Connections to it are refused once
built, because PostgreSQL copies a template only while nobody is connected to it.

Servers on a PostgreSQL of a test's own (tests/live/postgres.py) cannot copy from another
server's template: `restore_template` loads a dump of it instead (pg_dump once per run).
"""

import hashlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib.metadata import distributions
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "live-demo-password"
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
# What the template's content depends on; any change here makes a new template.
SOURCES = ("agents", "api", "common", "portal", "tenants", "tokens")


def _server_params(name: str) -> tuple[str, str]:
    """(URL, libpq DSN) of database `name` on the test settings' server."""
    db = settings.DATABASES["default"]
    host, port, user = db.get("HOST") or "", db.get("PORT") or "", db.get("USER") or ""
    url = f"postgres://{quote(user)}@{quote(host, safe='')}{':' + str(port) if port else ''}/{name}"
    dsn = f"host={host} dbname={name} user={user}" + (f" port={port}" if port else "")
    return url, dsn


# The test database's name as Django makes it (`test_<name>`), read when this module is first
# imported (by the root conftest), before pytest-django points the setting at that database.
_CONFIGURED = settings.DATABASES["default"]
_TEST_NAME = (_CONFIGURED.get("TEST") or {}).get("NAME") or f"test_{_CONFIGURED['NAME']}"


def base_name() -> str:
    """The test database's name; the live servers' databases are named after it."""
    return _TEST_NAME


def _admin() -> psycopg.Connection:
    return psycopg.connect(_server_params("postgres")[1], autocommit=True)


def _content_key() -> str:
    digest = hashlib.sha256(PASSWORD.encode())
    # Installed libraries bring migrations of their own (Django's apps, procrastinate).
    installed = sorted(f"{d.metadata['Name']}=={d.version}" for d in distributions())
    digest.update("\n".join(installed).encode())
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _prepare(env: dict) -> None:
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "setup_portal", "-v0"], env=env, cwd=ROOT, check=True)
    subprocess.run(
        [*manage, "seed_demo", "--password", PASSWORD, "-v0"], env=env, cwd=ROOT, check=True
    )


def _env(database_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": database_url,
    }


def _built_by_a_live_process(name: str) -> bool:
    """Whether `name` is a template still being built by a running process (another run)."""
    if not name.endswith("_building"):
        return False
    try:
        os.kill(int(name.rsplit("_", 2)[-2]), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


@cache
def template() -> str:
    """The name of the migrated and seeded template database, built if missing."""
    prefix = f"{base_name()}_tpl_"
    name = prefix + _content_key()
    with _admin() as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s",
            [prefix.replace("_", r"\_") + "%"],
        ).fetchall()
        for (other,) in rows:
            if other != name and not _built_by_a_live_process(other):
                conn.execute(f'DROP DATABASE IF EXISTS "{other}" WITH (FORCE)')
        if (name,) in rows:
            return name
        building = f"{name[: 63 - 18]}_{os.getpid()}_building"
        conn.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{building}"')
    try:
        _prepare(_env(_server_params(building)[0]))
        with _admin() as conn:
            conn.execute(f'ALTER DATABASE "{building}" ALLOW_CONNECTIONS false')
            try:
                conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
            except psycopg.errors.DuplicateDatabase:  # another run finished first: use its
                conn.execute(f'DROP DATABASE "{building}"')
    except BaseException:
        with _admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
        raise
    return name


def copy_template(name: str) -> None:
    """(Re)create database `name` as a copy of the template."""
    source = template()
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')


def exists(name: str) -> bool:
    with _admin() as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def drop(name: str) -> None:
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def template_copy(suffix: str) -> Iterator[tuple[str, str]]:
    """Database `<test database>_<suffix>`, a copy of the template (migrated, demo data
    seeded with PASSWORD): (URL, DSN); dropped afterwards."""
    name = f"{base_name()}_{suffix}"
    copy_template(name)
    try:
        yield _server_params(name)
    finally:
        drop(name)


@cache
def _template_dump() -> Path:
    """The template in pg_dump's custom format, made once per test run (from a copy, since
    the template itself refuses connections)."""
    path = Path(tempfile.mkdtemp(prefix="portal-template-")) / "template.dump"
    with template_copy("dump") as (_, dsn):
        subprocess.run(
            [str(PG_BIN / "pg_dump"), "-Fc", "--no-owner", "--no-privileges", "-f", str(path), dsn],
            check=True,
            capture_output=True,
        )
    return path


def restore_template(database_url: str) -> None:
    """Load the template's tables and demo data into the empty database `database_url`
    (one on another PostgreSQL server, e.g. a test's own). When this machine's pg_dump
    cannot read the tests' server (the embedded server is a newer PostgreSQL than the one
    in PG_BIN, and pg_dump refuses a newer server), the database is migrated and seeded
    instead, as the template itself was."""
    try:
        dump = _template_dump()
    except subprocess.CalledProcessError:
        _prepare(_env(database_url))
        return
    subprocess.run(
        [str(PG_BIN / "pg_restore"), "--no-owner", "--no-privileges", "-d", database_url,
         str(dump)],
        check=True,
        capture_output=True,
    )  # fmt: skip
