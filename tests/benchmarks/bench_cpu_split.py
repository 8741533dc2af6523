"""Benchmark: where a registration's CPU goes, app server or PostgreSQL.

Serves the portal on a scratch database as production does (gunicorn's ASGI worker, the
production settings, a Redis cache: a redis-server of its own on a free loopback port;
`--server wsgi` serves the development settings with gunicorn's sync worker, on the same
Redis: the figure of the issues before the production server was measured), drives
`POST /api/v1/agents/register` (distinct machines, one token) and then `GET /api/v1/ping`
with wrk, and reads the CPU time (user + system, /proc) of the gunicorn workers, of the
scratch database's PostgreSQL backends and of the Redis server over exactly each wrk
window. It prints the rate and the CPU milliseconds per request on each side, so the
sizing of app servers against database cores comes from a measurement (docs/scaling.md).
Loopback only, bounded in time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m tests.benchmarks.bench_cpu_split --seconds 10 --workers 4

(`--rounds 3` repeats the two windows on one server and prints each round. `--profile DIR`
then runs one more window of each, sampled by py-spy in every worker (tests/benchmarks/
pyspy.py): collapsed stacks in DIR, for a flamegraph viewer, and the top frames printed.)

The scratch database `portal_cpu` (`BENCH_DATABASE` names another) is dropped at the end.
"""

import argparse
import os
import re
import secrets
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

import tests.benchmarks.live_env  # noqa: F401  (first: it chooses the settings)
from portal.launch.production import production_server_command
from tests.benchmarks.bench_scale import REGISTER_LUA, _dsn, _wrk
from tests.benchmarks.demo_token import demo_token
from tests.benchmarks.pyspy import Sampler, summary
from tests.live.server import free_port, start_gunicorn, stop_gunicorn
from tests.redis_server import RedisServer

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


def _window(server_dsn: str, master: int, cache: int | None, run) -> tuple[float, ...]:
    """(rate, app CPU s, database CPU s, Redis CPU s) of one wrk run; processes seen at
    start or end."""

    def snapshot() -> tuple[dict[int, float], dict[int, float], float]:
        app = {p: _cpu_seconds(p) for p in _workers(master)}
        db = {p: _cpu_seconds(p) for p in _backends(server_dsn)}
        return app, db, _cpu_seconds(cache) if cache else 0.0

    before_app, before_db, before_cache = snapshot()
    rate = run()
    after_app, after_db, after_cache = snapshot()
    app = sum(after_app[p] - before_app.get(p, 0.0) for p in after_app)
    db = sum(after_db[p] - before_db.get(p, 0.0) for p in after_db)
    return rate, app, db, after_cache - before_cache


def _production(env: dict, workers: int, cache_url: str, workdir: str):
    """gunicorn as `serve --production` execs it (ASGI worker, production settings, the
    Redis cache), its request log lines thrown away: (process, base URL)."""
    port = free_port()
    env = {
        **{k: v for k, v in env.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "CACHE_URL": cache_url,
        "EMAIL_URL": "smtp://127.0.0.1:25",
        "SECURE_SSL_REDIRECT": "False",
        "STATIC_ROOT": str(Path(workdir) / "static"),
        "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="portal-metrics-"),
    }
    command = production_server_command(f"127.0.0.1:{port}", workers)
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    process.metrics_dir = env["PROMETHEUS_MULTIPROC_DIR"]  # type: ignore[attr-defined]
    return process, f"http://127.0.0.1:{port}"


RATE = 200  # samples a second


def _profile(out_dir: Path, master: int, seconds: float, runs: dict) -> None:
    """One more window of each kind with every worker sampled (not a measured window)."""
    for what, run in runs.items():
        sampler = Sampler(_workers(master), seconds, out_dir, what, rate=RATE)
        requests = run() * seconds
        files = sampler.wait()
        print(f"profile of {what}, {requests:.0f} requests ({out_dir}/{what}-*.txt):")
        print(summary(files, per=requests * RATE / 1000))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--server", choices=("production", "wsgi"), default="production")
    parser.add_argument("--profile", metavar="DIR", help="py-spy each window once more")
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
    redis = RedisServer()
    try:
        script = Path(workdir) / "register.lua"
        script.write_text(REGISTER_LUA % demo_token(env))
        redis.start()
        if args.server == "production":
            server, base = _production(env, args.workers, redis.url, workdir)
        else:
            server, base = start_gunicorn(env={**env, "CACHE_URL": redis.url}, workers=args.workers)
        cache_pid = redis.process.pid if redis.process else None
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"{base}/api/v1/ping", timeout=1)  # noqa: S310
                    break
                except OSError:
                    time.sleep(0.2)
            _wrk(f"{base}/api/v1/ping", 1)  # every worker connected and warm
            _wrk(base, 1, script=str(script))
            runs = {
                "registration": lambda: _wrk(base, args.seconds, script=str(script)),
                "ping": lambda: _wrk(f"{base}/api/v1/ping", args.seconds),
            }
            print(f"{args.server} server, gunicorn workers: {args.workers}, wrk 2 x 8 connections")
            for round_ in range(1, args.rounds + 1):
                app_ms = {}
                for what, run in runs.items():
                    rate, app, db, cache = _window(server_dsn, server.pid, cache_pid, run)
                    requests = rate * args.seconds
                    app_ms[what] = 1000 * app / requests
                    print(
                        f"round {round_} {what}: {rate:.0f}/s; CPU per request: app"
                        f" {app_ms[what]:.2f} ms, PostgreSQL {1000 * db / requests:.2f} ms,"
                        f" Redis {1000 * cache / requests:.2f} ms"
                    )
                ratio = app_ms["registration"] / app_ms["ping"]
                print(f"round {round_}: app CPU registration / ping {ratio:.1f}")
            if args.profile:
                _profile(Path(args.profile), server.pid, args.seconds, runs)
        finally:
            stop_gunicorn(server)
    finally:
        redis.stop()
        with psycopg.connect(server_dsn, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()
