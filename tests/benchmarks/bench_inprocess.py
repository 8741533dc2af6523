"""Benchmark: a registration's and a ping's app CPU in process, without an HTTP server.

Drives the production application (`portal.asgi.application`: the production settings, the
one-hop handler, every middleware, a Redis cache of its own) with ASGI messages from a loop
in this process, one request at a time, and reads this process's CPU time
(`time.process_time`) over each round of N requests. With no server, no load generator and
no other request in flight, its rounds spread far less than `bench_cpu_split`'s, so a change
of some tens of microseconds shows; run it on two checkouts one after the other (or side by
side) to compare them. It measures the portal's own share only: `bench_cpu_split` measures
what the production server adds (its HTTP protocol, requests competing for the cores).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m tests.benchmarks.bench_inprocess --requests 1000 --rounds 5

The scratch database `portal_inprocess` (`BENCH_DATABASE` names another) is dropped at the
end. The request log lines go to standard output as in production; the figures go to
standard error, so `> /dev/null` keeps only them.
"""

import argparse
import asyncio
import json
import os
import re
import secrets
import socket
import statistics
import sys
import tempfile
import time

import psycopg

from tests.benchmarks.demo_token import demo_token

NAME = os.environ.get("BENCH_DATABASE", "portal_inprocess")
REGISTER, PING = "/api/v1/agents/register", "/api/v1/ping"


def _prepare(database_url: str) -> str:
    """The scratch database set up with the demo data: a registration token's value."""
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "false"}
    env.update(DJANGO_SETTINGS_MODULE="portal.settings.local", CACHE_URL="locmemcache://")
    return demo_token(env)


def _production_environment(database_url: str, cache_url: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        DATABASE_URL=database_url,
        CACHE_URL=cache_url,
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        EMAIL_URL="smtp://127.0.0.1:25",
        SECURE_SSL_REDIRECT="False",
        STATIC_ROOT=tempfile.mkdtemp(prefix="bench-static-"),
        PROMETHEUS_MULTIPROC_DIR=tempfile.mkdtemp(prefix="bench-metrics-"),
        AGENT_TOKEN_FAILURE_LIMIT="1000000",
    )


async def _call(application, path: str, body: bytes = b"") -> int:
    """One request through the application; its status."""
    headers = [(b"host", b"127.0.0.1")]
    if body:
        headers += [(b"content-type", b"application/json")]
        headers += [(b"content-length", str(len(body)).encode())]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST" if body else "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    given, never, sent = False, asyncio.Event(), []

    async def receive():
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        await never.wait()  # the client stays until the answer (the disconnect watcher)

    async def send(message):
        sent.append(message)

    await application(scope, receive, send)
    return sent[0]["status"]


async def _rounds(application, token: str, requests: int, rounds: int) -> dict[str, list]:
    machines = iter(range(10**9))

    def registration() -> bytes:
        machine = f"m-{os.getpid()}-{next(machines)}"
        return json.dumps({"token": token, "hostname": "h", "os": "Linux", "machine_id": machine})

    for _ in range(200):  # connections, prepared statements, scripts, caches
        status = await _call(application, REGISTER, registration().encode())
        assert status in (200, 201), status
        assert await _call(application, PING) == 200
    results: dict[str, list] = {"registration": [], "ping": []}
    for _ in range(rounds):
        bodies = [registration().encode() for _ in range(requests)]
        started = time.process_time()
        for body in bodies:
            await _call(application, REGISTER, body)
        results["registration"].append((time.process_time() - started) / requests)
        started = time.process_time()
        for _ in range(requests):
            await _call(application, PING)
        results["ping"].append((time.process_time() - started) / requests)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000, help="of each kind, a round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    server_url = re.sub(r"/[^/]*$", "/postgres", os.environ["DATABASE_URL"])
    database_url = re.sub(r"/[^/]*$", f"/{NAME}", os.environ["DATABASE_URL"])
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {NAME}")
    try:
        with socket.socket() as probe:  # Redis' port, known before the settings are read
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        token = _prepare(database_url)
        # The settings read the environment when first imported (tests.redis_server does).
        _production_environment(database_url, f"redis://127.0.0.1:{port}/0")
        from tests.redis_server import RedisServer  # noqa: PLC0415

        redis = RedisServer(port)
        redis.start()
        try:
            from portal.asgi import application  # noqa: PLC0415

            results = asyncio.run(_rounds(application, token, args.requests, args.rounds))
        finally:
            redis.stop()
            from django.db import connections  # noqa: PLC0415

            connections.close_all()
        print(f"in process, {args.rounds} rounds of {args.requests} each", file=sys.stderr)
        for what, seconds in results.items():
            ms = [1000 * s for s in seconds]
            spread = f"{statistics.median(ms):.3f} ms ({min(ms):.3f}-{max(ms):.3f})"
            print(f"{what}: CPU per request {spread}", file=sys.stderr)
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()
