"""A real portal, served by gunicorn with several worker processes, for end-to-end tests
(the `live_portal` fixture is in tests/live/fixtures.py).

It runs on a database of its own (a copy of the prepared template, tests/live/databases.py),
so the tests talk to it only as agents and browsers do: over HTTP on 127.0.0.1. Its cache
directory is this test run's, so the test process and every worker share throttling state.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.conf import settings

# Re-exported: the demo password and the server's address are the live tests' vocabulary.
from tests.live.databases import PASSWORD, ROOT, _server_params  # noqa: F401


@dataclass
class LivePortal:
    url: str
    database_url: str
    dsn: str
    log: Path | None = None  # the server's output (gunicorn and Django's log lines)

    def sql(self, query: str, params=()):
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            return conn.execute(query, params).fetchall()


def start_gunicorn(*, env: dict, workers: int, threads: int = 1, log: Path | None = None):
    """Serve the portal with gunicorn on a free loopback port: (process, base URL)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "portal.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--no-control-socket",
        "--log-level",
        "warning",
    ]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    output = log.open("w") if log else None
    # The workers' metrics are shared in a folder of this server's own (prometheus_client's
    # multiprocess mode, as the production command sets it up); stop_gunicorn removes it.
    metrics_dir = env.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="portal-metrics-")
    env = {**env, "PROMETHEUS_MULTIPROC_DIR": metrics_dir}
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    process.metrics_dir = metrics_dir  # type: ignore[attr-defined]
    return process, f"http://127.0.0.1:{port}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/v1/ping", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start:\n{log.read_text()[-3000:]}")


def portal_env(database_url: str, **extra: str) -> dict:
    """The environment of a served portal: test settings, this run's cache directory."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": database_url,
        "PORTAL_TEST_CACHE_DIR": settings.CACHES["default"]["LOCATION"],
        **extra,
    }


def stop_gunicorn(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=20)
    shutil.rmtree(getattr(process, "metrics_dir", ""), ignore_errors=True)
