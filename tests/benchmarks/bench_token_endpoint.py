"""Benchmark: what a request to the API clients' token endpoint costs, and what its throttle
does (issue 21, item 5), on the production server (gunicorn's ASGI worker, production
settings) over a scratch copy of the live tests' template database.

Three clients: one whose secret is stored as before (PBKDF2, Django's 1,000,000
iterations: what every client cost on the old code), one stored with the keyed digest
(tenants/api_clients/hashers.py), and an id that does not exist. For each, the answer time
and the workers' CPU per request (user + system, /proc), with the throttle out of the way;
then, with the default limits, 36 wrong-secret requests at once (the issue's figure: 46 s
of a 2-worker server on the old code).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<yours> \\
        .venv/bin/python -m tests.benchmarks.bench_token_endpoint --requests 12
"""

import argparse
import base64
import concurrent.futures
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

from portal.launch.production import production_server_command  # noqa: E402
from tests.live.databases import template_copy  # noqa: E402
from tests.live.server import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TICK = os.sysconf("SC_CLK_TCK")
MAKE_CLIENTS = """
import json
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from oauth2_provider.models import Application
from tenants.api_clients.services import api_client_create
from tenants.audit import CLI
from tenants.models import Tenant, User
admin, globex = User.objects.get(username="globex-admin"), Tenant.objects.get(slug="globex")
old = api_client_create(actor=admin, tenant=globex, name="Old", role="administrator", origin=CLI)
new = api_client_create(actor=admin, tenant=globex, name="New", role="administrator", origin=CLI)
hasher = PBKDF2PasswordHasher()
pbkdf2 = hasher.encode(old.client_secret, hasher.salt())
Application.objects.filter(client_id=old.client_id).update(client_secret=pbkdf2)
print(json.dumps({"iterations": hasher.iterations,
    "old": [old.client_id, old.client_secret], "new": [new.client_id, new.client_secret]}))
"""


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _workers(master: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def _ask(base: str, client_id: str, secret: str) -> tuple[int, float]:
    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    request = urllib.request.Request(
        f"{base}/api/v1/oauth/token",
        data=b"grant_type=client_credentials",
        headers={"Authorization": f"Basic {pair}", "Host": "127.0.0.1"},
        method="POST",
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.perf_counter() - started


def _serve(env: dict, workers: int, log: Path):
    port = free_port()
    command = production_server_command(f"127.0.0.1:{port}", workers)
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=-2)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310
            return server, base
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError(log.read_text()[-2000:])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-token-"))
    (workdir / "metrics").mkdir()
    with template_copy("tokbench") as (url, _dsn):
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PORTAL_"))},
            "DJANGO_SETTINGS_MODULE": "portal.settings.production",
            "SECRET_KEY": "bench-" + "x" * 50,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": url,
            "CACHE_URL": f"filecache://{workdir / 'cache'}",
            "EMAIL_URL": "consolemail://",
            "SECURE_SSL_REDIRECT": "false",
            "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics"),
        }
        made = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", MAKE_CLIENTS],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        clients = json.loads(made.stdout.strip().splitlines()[-1])
        cases = {
            "PBKDF2-stored secret (the old code), wrong secret": (clients["old"][0], "wrong"),
            "keyed digest, wrong secret": (clients["new"][0], "wrong"),
            "unknown client id": ("no-such-client-id-0123456789", "wrong"),
            "keyed digest, right secret": tuple(clients["new"]),
        }
        unthrottled = {
            **env,
            "OAUTH_TOKEN_ADDRESS_LIMIT": "1000000",
            "OAUTH_TOKEN_CLIENT_FAILURE_LIMIT": "1000000",
        }
        server, base = _serve(unthrottled, args.workers, workdir / "server.log")
        try:
            _ask(base, *cases["keyed digest, wrong secret"])  # warm
            print(f"PBKDF2 iterations: {clients['iterations']}; gunicorn workers: {args.workers}")
            for what, (client_id, secret) in cases.items():
                before = {p: _cpu(p) for p in _workers(server.pid)}
                answers = [_ask(base, client_id, secret) for _ in range(args.requests)]
                after = {p: _cpu(p) for p in _workers(server.pid)}
                cpu = sum(after[p] - before.get(p, 0.0) for p in after) / args.requests
                times = [t for _, t in answers]
                print(
                    f"{what}: status {sorted({s for s, _ in answers})}, answer median"
                    f" {1000 * statistics.median(times):.1f} ms (max {1000 * max(times):.1f}),"
                    f" worker CPU {1000 * cpu:.1f} ms/request"
                )
        finally:
            server.terminate()
            server.wait(timeout=60)
        # The default limits: 36 wrong-secret requests at once, naming the PBKDF2 client.
        fresh = {**env, "CACHE_URL": f"filecache://{workdir / 'cache2'}"}  # no earlier counts
        server, base = _serve(fresh, args.workers, workdir / "server2.log")
        try:
            started = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(36) as pool:
                jobs = [pool.submit(_ask, base, clients["old"][0], "wrong") for _ in range(36)]
                statuses = [job.result()[0] for job in jobs]
            took = time.perf_counter() - started
            counts = {s: statuses.count(s) for s in sorted(set(statuses))}
            print(f"36 wrong-secret requests at once, default limits: {took:.1f} s, {counts}")
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    main()
