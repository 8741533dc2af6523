"""`manage.py` run as a user runs it: a subprocess of this interpreter, in the checkout."""

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def manage(env: dict, *args: str, check: bool = False) -> subprocess.CompletedProcess:
    """`manage.py <args>` with environment `env`, output captured; with `check`, a failure
    fails the test with everything the command printed."""
    result = subprocess.run(  # noqa: S603 - this interpreter, the project's manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


@contextmanager
def own_database(suffix: str) -> Iterator[str]:
    """An empty database of the test's own on the tests' server (the test database's name
    + `suffix`), its URL; dropped afterwards."""
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_{suffix}"
    host, port, user = db.get("HOST") or "", db.get("PORT") or "", db.get("USER") or ""
    admin = f"host={host} dbname=postgres user={user}" + (f" port={port}" if port else "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    netloc = f"{quote(user)}@{quote(host, safe='')}" + (f":{port}" if port else "")
    try:
        yield f"postgres://{netloc}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
