"""Benchmark: agent registrations per second with and without PgBouncer, in one run.

Serves the portal four times on one scratch database (gunicorn, `--workers` each, test
settings so the search-path binding can be chosen): straight to PostgreSQL with the
per-statement search path, the same with django-tenants' session binding (what it cost
before), and through a PgBouncer in transaction mode with a pool as large as the workers and
with a pool of 2. wrk drives `POST /api/v1/agents/register` (distinct machines, one token)
at each in turn, round after round (interleaved, so machine noise hits all alike), and the
table gives each rate as a median with its spread and as a ratio to the direct server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m tests.benchmarks.bench_pgbouncer --seconds 5 --rounds 3
"""

import argparse
import os
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from tests.benchmarks.bench_scale import REGISTER_LUA, _dsn, _spread, _urls, _wrk
from tests.benchmarks.demo_token import demo_token
from tests.live.pgbouncer import PgBouncer
from tests.live.server import start_gunicorn

NAME = "portal_bench"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    server_url, _ = _urls()
    bench_url = server_url.rsplit("/", 1)[0] + f"/{NAME}"
    with psycopg.connect(_dsn(server_url), autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        c.execute(f"CREATE DATABASE {NAME}")
    workdir = tempfile.mkdtemp(prefix="bench-pgbouncer-")
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "PORTAL_TEST_CACHE_DIR": workdir,
        "AGENT_TOKEN_FAILURE_LIMIT": "1000000",
    }
    token = demo_token(env)
    script = Path(workdir) / "register.lua"
    script.write_text(REGISTER_LUA % token)

    parts = urlsplit(bench_url)
    bouncers = [
        PgBouncer(host=parts.hostname or "", port=str(parts.port or 5432),
                  user=parts.username or "postgres", dbname=NAME, pool_size=size)
        for size in (args.workers, 2)
    ]  # fmt: skip
    configs = {
        "direct, per-statement search path": env,
        "direct, session search path (before)": {
            **env,
            "PORTAL_TEST_SEARCH_PATH_BINDING": "session",
        },  # fmt: skip
    }
    servers = []
    try:
        for bouncer in bouncers:
            bouncer.start()
            configs[f"PgBouncer (transaction), pool {bouncer.pool_size}"] = {
                **env,
                "DATABASE_URL": bouncer.url,
                "DATABASE_POOLER": "transaction",
                "DATABASE_DIRECT_URL": bench_url,
            }
        for name, config in configs.items():
            process, base = start_gunicorn(env=config, workers=args.workers)
            servers.append((name, process, base))
        for _, _, base in servers:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/api/v1/ping", timeout=1)  # noqa: S310
                    break
                except OSError:
                    time.sleep(0.2)
        rates = {name: [] for name, _, _ in servers}
        for _ in range(args.rounds):
            for name, _, base in servers:
                rates[name].append(_wrk(base, args.seconds, script=str(script)))
    finally:
        for _, process, _ in servers:
            process.terminate()
            process.wait(timeout=30)
        for bouncer in bouncers:
            bouncer.stop()
        with psycopg.connect(_dsn(server_url), autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")

    first = next(iter(rates))
    width = max(len(n) for n in rates)
    print(f"\ngunicorn workers: {args.workers}, wrk -t2 -c8, {args.rounds} interleaved rounds "
          f"of {args.seconds:g} s; registrations/s, median (min-max)")  # fmt: skip
    for name, values in rates.items():
        ratio = [v / d for v, d in zip(values, rates[first], strict=True)]
        print(f"{name:<{width}}  {_spread(values)}/s  x{_spread(ratio)} of {first}")
    print(f"({statistics.median(rates[first]):.0f}/s direct)")


if __name__ == "__main__":
    main()
