"""Benchmark: agent registrations per second beside a trivial DRF endpoint, in one run.

Serves the portal with gunicorn (several worker processes) on a scratch database, then
alternates timed phases of `GET /api/v1/ping` (a trivial DRF view) and
`POST /api/v1/agents/register` (distinct machines, one token), and prints both rates and
their ratio. Loopback only; every phase is bounded in time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m tests.benchmarks.bench_agent_register --seconds 5 --workers 4

DATABASE_URL names the server (its database part is ignored): a scratch database
`portal_bench` (`BENCH_DATABASE` names another) is created there and dropped at the end.
"""

import argparse
import itertools
import json
import os
import statistics
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

import tests.benchmarks.live_env  # noqa: F401  (first: it chooses the settings)
from tests.benchmarks.demo_token import demo_token
from tests.live.server import start_gunicorn

ROOT = Path(__file__).resolve().parents[2]
# The scratch database (BENCH_DATABASE), so two runs on one server do not share one.
NAME = os.environ.get("BENCH_DATABASE", "portal_bench")


def _urls() -> tuple[str, str]:
    parts = urlsplit(os.environ["DATABASE_URL"])
    server = urlunsplit(parts._replace(path="/postgres"))
    return server, urlunsplit(parts._replace(path=f"/{NAME}"))


def _phase(fn, seconds: float, concurrency: int) -> float:
    """Requests per second that `fn` sustains over `seconds` with `concurrency` threads."""
    deadline = time.monotonic() + seconds
    counts = [0] * concurrency

    def loop(slot):
        while time.monotonic() < deadline:
            fn()
            counts[slot] += 1

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(loop, range(concurrency)))
    return sum(counts) / (time.monotonic() - started)


def _post(url: str, body: dict) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.status


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    server_url, bench_url = _urls()
    with psycopg.connect(server_url.replace("postgres://", "postgresql://"), autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        c.execute(f"CREATE DATABASE {NAME}")
    cache_dir = tempfile.mkdtemp(prefix="bench-cache-")
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "DJANGO_SETTINGS_MODULE": "portal.settings.local",
        "DEBUG": "false",
        "CACHE_URL": f"filecache://{cache_dir}",
        "AGENT_TOKEN_FAILURE_LIMIT": "1000000",
    }
    token = demo_token(env, lifetime="1h")

    server, base = start_gunicorn(env=env, workers=args.workers)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/api/v1/ping", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        serial = itertools.count()
        lock = threading.Lock()

        def ping():
            with urllib.request.urlopen(f"{base}/api/v1/ping", timeout=30) as r:  # noqa: S310
                r.read()

        def register():
            with lock:
                n = next(serial)
            body = {
                "token": token,
                "hostname": f"bench-{n}",
                "os": "Linux",
                "machine_id": f"bench-{n}",
            }
            assert _post(f"{base}/api/v1/agents/register", body) == 201

        pings, registrations = [], []
        for _ in range(args.rounds):  # alternate, so machine noise hits both alike
            pings.append(_phase(ping, args.seconds, args.concurrency))
            registrations.append(_phase(register, args.seconds, args.concurrency))
    finally:
        server.terminate()
        server.wait(timeout=30)
        with psycopg.connect(
            server_url.replace("postgres://", "postgresql://"), autocommit=True
        ) as c:
            c.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")

    ping_rate, register_rate = statistics.median(pings), statistics.median(registrations)
    print(
        f"gunicorn workers: {args.workers}, client threads: {args.concurrency}, "
        f"{args.rounds} rounds of {args.seconds:g} s each"
    )
    print(f"trivial DRF endpoint (GET /api/v1/ping):       {ping_rate:8.1f} requests/s")
    print(
        f"agent registration (POST /api/v1/agents/register): {register_rate:8.1f} registrations/s"
    )
    print(f"ratio registration/ping: {register_rate / ping_rate:.2f}")


if __name__ == "__main__":
    main()
