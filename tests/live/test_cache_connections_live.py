"""The production server (gunicorn's ASGI workers) keeps one Redis connection pool per worker
process: 100 registrations cost a few connections, not one each (issue 19, item 6).

The server runs the production settings on a copy of the prepared template database, with a
Redis of this test's own (tests/redis_server.py), whose INFO counts every connection it accepted.
"""

import os
import secrets
import subprocess
import sys
import tempfile
import time

import pytest
import redis

from portal.launch.production import production_server_command
from tests.live.databases import template_copy
from tests.live.http import post_json
from tests.live.server import ROOT, free_port, portal_env, stop_gunicorn, wait_until_up

WORKERS = 2
REQUESTS = 100


def _token(database_url: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "tokens", "create"]
        + ["--tenant", "globex", "--user", "globex-alice"],
        env=portal_env(database_url),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return next(line.split()[1] for line in result.stdout.splitlines() if line.startswith("Token:"))


@pytest.fixture
def production_on_redis(own_redis, tmp_path):
    """gunicorn with the ASGI worker, as `serve --production` execs it, on `own_redis`:
    (base URL, database URL)."""
    with template_copy("cache") as (database_url, _):
        yield from _serve(database_url, own_redis.url, tmp_path)


def _serve(database_url: str, cache_url: str, tmp_path):
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "CACHE_URL": cache_url,
        "EMAIL_URL": "smtp://127.0.0.1:25",
        "SECURE_SSL_REDIRECT": "False",
        "STATIC_ROOT": str(tmp_path / "static"),
        "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="portal-metrics-"),
    }
    log = tmp_path / "server.log"
    command = production_server_command(f"127.0.0.1:{port}", WORKERS)
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    process.metrics_dir = env["PROMETHEUS_MULTIPROC_DIR"]  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, log)
        yield url, database_url
    finally:
        stop_gunicorn(process)


def test_100_registrations_open_a_few_redis_connections_not_one_each(
    production_on_redis, own_redis
):
    url, database_url = production_on_redis
    token = _token(database_url)
    stats = redis.Redis.from_url(own_redis.url)  # one connection of its own, opened before counting
    before = stats.info("stats")["total_connections_received"]
    started = time.monotonic()
    for n in range(REQUESTS):
        body = {"token": token, "hostname": f"c-{n}", "os": "linux", "machine_id": f"conn-{n}"}
        status, answer = post_json(url, "/api/v1/agents/register", body)
        assert status == 201, answer
    opened = stats.info("stats")["total_connections_received"] - before
    seconds = time.monotonic() - started
    print(f"{REQUESTS} registrations, {WORKERS} ASGI workers: {opened} Redis connections opened")
    stats.close()
    assert seconds < 60
    # One pool per worker process: a connection each, and a spare for a request that overlaps.
    assert opened <= WORKERS * 2 + 2, opened
