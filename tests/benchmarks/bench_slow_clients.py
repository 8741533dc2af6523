"""Benchmark: health-check latency while 50 clients trickle request bodies, per server mode.

Serves the portal under production settings on a scratch database three ways, one after
the other: plain sync gunicorn workers, gthread workers, and the README's production
invocation (gunicorn's ASGI worker,
`portal.launch.production.production_server_command`). For each it opens `--slow`
connections that send a POST's headers with a large Content-Length and then one byte a
second, and times `GET /healthz` beside them. Loopback only, bounded in time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_serve \\
        .venv/bin/python -m tests.benchmarks.bench_slow_clients --slow 50 --workers 4

DATABASE_URL names the server; a scratch database `<its name>_slow` is created and dropped.
"""

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from portal.launch.production import production_server_command
from tests.live.server import free_port
from tests.live.slowclients import SlowBodies, health_latency

ROOT = Path(__file__).resolve().parents[2]


def _modes(bind: str, workers: int) -> dict[str, list[str]]:
    wsgi = [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", bind]
    wsgi += ["--workers", str(workers), "--no-control-socket", "--log-level", "warning"]
    return {
        "sync": wsgi,
        "gthread x8": [*wsgi, "--worker-class", "gthread", "--threads", "8"],
        "asgi (production)": [*production_server_command(bind, workers), "--log-level", "warning"],
    }


def _wait_up(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            health_latency(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("server did not start")


def _timed(url: str, checks: int, timeout: float) -> list[float | None]:
    """Latencies of `checks` health checks one second apart (None: no answer in time)."""
    results: list[float | None] = []
    for _ in range(checks):
        try:
            results.append(health_latency(url, timeout=timeout))
        except OSError:
            results.append(None)
        time.sleep(1)
    return results


def _summary(results: list[float | None]) -> str:
    answered = [r for r in results if r is not None]
    text = f"{len(answered)}/{len(results)} answered"
    if answered:
        text += f", median {statistics.median(answered) * 1000:.1f} ms"
        text += f", max {max(answered) * 1000:.1f} ms"
    return text


def measure(name: str, command: list[str], env: dict, url: str, args) -> None:
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        _wait_up(url)
        for _ in range(8):  # warm every worker up first
            health_latency(url)
        quiet = _timed(url, 3, args.timeout)
        with SlowBodies(url, args.slow) as slow:
            time.sleep(2)
            busy = _timed(url, args.checks, args.timeout)
            still_open = slow.open_count()
        print(
            f"{name:18} idle: {_summary(quiet)}; with {args.slow} slow bodies "
            f"({still_open} still open): {_summary(busy)}",
            flush=True,
        )
    finally:
        process.terminate()
        process.wait(timeout=40)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slow", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--checks", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=3.0)
    args = parser.parse_args()
    parts = urlsplit(os.environ["DATABASE_URL"])
    name = f"{parts.path.strip('/')}_slow"
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    database_url = urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory() as scratch:
            env = production_env(database_url, scratch)
            manage = [sys.executable, str(ROOT / "manage.py")]
            for step in (["collectstatic", "--noinput"], ["setup_portal"]):
                subprocess.run([*manage, *step, "-v0"], env=env, cwd=ROOT, check=True)
            bind = f"127.0.0.1:{free_port()}"
            for mode, command in _modes(bind, args.workers).items():
                measure(mode, command, env, f"http://{bind}", args)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def production_env(database_url: str, scratch: str) -> dict:
    """Production settings on loopback: plain HTTP (no TLS in front), a file cache."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "CACHE_URL": f"filecache://{scratch}/cache",
        "STATIC_ROOT": f"{scratch}/static",
        "SECURE_SSL_REDIRECT": "False",
    }


if __name__ == "__main__":
    main()
