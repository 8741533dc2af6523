"""Benchmark: where a registration's CPU goes, app server or PostgreSQL.

Serves the portal with gunicorn on a scratch database, drives `POST /api/v1/agents/register`
(distinct machines, one token) and then `GET /api/v1/ping` with wrk, and reads the CPU
time (user + system, /proc) of the gunicorn workers and of the scratch database's
PostgreSQL backends over exactly each wrk window. It prints the rate and the CPU
milliseconds per request on each side, so the sizing of app servers against database
cores comes from a measurement (docs/scaling.md). Loopback only, bounded in time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m tests.benchmarks.bench_cpu_split --seconds 10 --workers 4

The scratch database `portal_cpu` (`BENCH_DATABASE` names another) is dropped at the end.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

from tests.benchmarks.bench_scale import REGISTER_LUA, _dsn, _wrk
from tests.live.server import start_gunicorn

ROOT = Path(__file__).resolve().parents[2]
NAME = os.environ.get("BENCH_DATABASE", "portal_cpu")
TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _workers(master: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def _backends(server_dsn: str) -> list[int]:
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [NAME])
        return [row[0] for row in rows]


def _window(server_dsn: str, master: int, run) -> tuple[float, float, float]:
    """(rate, app CPU s, database CPU s) of one wrk run; processes seen at start or end."""
    before_app = {p: _cpu_seconds(p) for p in _workers(master)}
    before_db = {p: _cpu_seconds(p) for p in _backends(server_dsn)}
    rate = run()
    after_app = {p: _cpu_seconds(p) for p in _workers(master)}
    after_db = {p: _cpu_seconds(p) for p in _backends(server_dsn)}
    app = sum(after_app[p] - before_app.get(p, 0.0) for p in after_app)
    db = sum(after_db[p] - before_db.get(p, 0.0) for p in after_db)
    return rate, app, db


def _token(env: dict) -> str:
    manage = [sys.executable, str(ROOT / "manage.py")]
    for step in (["setup_portal", "-v0"], ["seed_demo", "--password", "bench-pw", "-v0"]):
        subprocess.run([*manage, *step], env=env, cwd=ROOT, check=True)
    create = ["tokens", "create", "--tenant", "globex", "--user", "globex-alice"]
    out = subprocess.run(
        [*manage, *create, "--lifetime", "1d"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return re.search(r"Token:\s+(\S+)", out).group(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    server_url = re.sub(r"/[^/]*$", "/postgres", os.environ["DATABASE_URL"])
    server_dsn = _dsn(server_url)
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {NAME}")
    workdir = tempfile.mkdtemp(prefix="bench-cpu-")
    env = {
        **os.environ,
        "DATABASE_URL": re.sub(r"/[^/]*$", f"/{NAME}", os.environ["DATABASE_URL"]),
        "DJANGO_SETTINGS_MODULE": "portal.settings.local",
        "DEBUG": "false",
        "CACHE_URL": f"filecache://{workdir}",
        "AGENT_TOKEN_FAILURE_LIMIT": "1000000",
    }
    try:
        script = Path(workdir) / "register.lua"
        script.write_text(REGISTER_LUA % _token(env))
        server, base = start_gunicorn(env=env, workers=args.workers)
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/api/v1/ping", timeout=1)  # noqa: S310
                    break
                except OSError:
                    time.sleep(0.2)
            _wrk(f"{base}/api/v1/ping", 1)  # every worker connected and warm
            runs = {
                "registration": lambda: _wrk(base, args.seconds, script=str(script)),
                "ping": lambda: _wrk(f"{base}/api/v1/ping", args.seconds),
            }
            print(f"gunicorn workers: {args.workers}, wrk 2 threads x 8 connections")
            for what, run in runs.items():
                rate, app, db = _window(server_dsn, server.pid, run)
                requests = rate * args.seconds
                print(
                    f"{what}: {rate:.0f}/s; CPU per request: app {1000 * app / requests:.2f} ms,"
                    f" PostgreSQL {1000 * db / requests:.2f} ms"
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        with psycopg.connect(server_dsn, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()
