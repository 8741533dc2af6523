"""Benchmark: the scale table, a partner of 1,000 customers beside a partner of one.

Builds, on a scratch database, "Big MSP" with 1,000 customers (created one by one through
the customer service, so creating a customer is measured as the count grows) and "Small
MSP" with one; each has 100 devices and 100 tokens per customer (bulk-inserted: 100,000
each for Big MSP). Then it serves the portal with gunicorn and measures, side by side in
interleaved rounds, the pages of both partners, the token API, agent registrations beside
a trivial DRF endpoint (with wrk), a tenant-scoped trivial view beside the same view without
a tenant, and setup_portal with nothing to apply. It prints each figure as the median of
the rounds with its spread (min-max), beside the goal. Loopback only, bounded in time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m tests.benchmarks.bench_scale --customers 1000

DATABASE_URL names the server; the scratch database `portal_scale` (`BENCH_DATABASE` names
another) is dropped at the end (`--keep` keeps it, and `--reuse` measures a kept one again
without building).
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

import tests.benchmarks.live_env  # noqa: F401  (first: it chooses the settings)
from tests.benchmarks.demo_token import built_inside, demo_database
from tests.live.server import start_gunicorn

ROOT = Path(__file__).resolve().parents[2]
# The scratch database (BENCH_DATABASE), so two runs on one server do not share one.
NAME = os.environ.get("BENCH_DATABASE", "portal_scale")
PER_CUSTOMER = 100


# --- Inside Django (a subprocess on the scratch database) ------------------------------------


def build(customers: int) -> dict:
    """Create both partners and their data; returns session keys, the token and timings."""
    import uuid  # noqa: PLC0415

    from django.contrib.sessions.backends.db import SessionStore  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from agents.directory.models import DeviceEntry  # noqa: PLC0415
    from tenants import services  # noqa: PLC0415
    from tenants.audit import CLI  # noqa: PLC0415
    from tenants.models import Tenant, User  # noqa: PLC0415
    from tokens import services as token_services  # noqa: PLC0415
    from tokens import values  # noqa: PLC0415
    from tokens.models import RegistrationToken  # noqa: PLC0415

    root = User.objects.get(username="platform-admin")
    admins, timings = {}, []
    for name, count in (("Small MSP", 1), ("Big MSP", customers)):
        partner = services.partner_create(actor=root, name=name, origin=CLI)
        admin = services.user_create(
            actor=root,
            tenant=partner,
            username=f"{partner.slug}-admin",
            password=None,
            role="partner_admin",
            origin=CLI,
        )
        admins[name] = admin
        for n in range(count):
            started = time.perf_counter()
            services.customer_create(actor=admin, partner=partner, name=f"C{n:04}", origin=CLI)
            if name == "Big MSP":
                timings.append((Tenant.objects.count(), time.perf_counter() - started))
    now = timezone.now()
    for admin in admins.values():
        for customer in Tenant.objects.filter(parent=admin.tenant).iterator():
            DeviceEntry.objects.bulk_create(
                DeviceEntry(
                    tenant=customer,
                    partner_id=customer.family,
                    device_id=n,
                    agent_id=uuid.uuid4(),
                    hostname=f"host-{n:03}",
                    os="Linux",
                    owner=admin,
                    owner_username=admin.username,
                    customer_name=customer.name,
                    customer_slug=customer.slug,
                    plan_names=[],
                    registered_at=now,
                )
                for n in range(PER_CUSTOMER)
            )
            RegistrationToken.objects.bulk_create(
                RegistrationToken(
                    tenant=customer,
                    family=customer.family,
                    user=admin,
                    created_by=admin,
                    expires_at=now + timezone.timedelta(days=7),
                    digest=values.digest(values.normalize(values.generate())),
                    prefix="AB",
                )
                for _ in range(PER_CUSTOMER)
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    solo = Tenant.objects.get(parent=admins["Small MSP"].tenant)
    agent_user = services.user_create(
        actor=root, tenant=solo, username="solo-user", password=None, role="user", origin=CLI
    )
    issued = token_services.token_create(
        actor=admins["Small MSP"],
        tenant=solo,
        user_id=agent_user.pk,
        lifetime=86400,
        origin=CLI,
    )
    sessions = {}
    for name, admin in admins.items():
        store = SessionStore()
        store["_auth_user_id"] = str(admin.pk)
        store["_auth_user_backend"] = "tenants.backends.TenantUserBackend"
        store["_auth_user_hash"] = admin.get_session_auth_hash()
        store.create()
        sessions[name] = {"cookie": store.session_key, "partner": admin.tenant.slug}
    big_customer = Tenant.objects.filter(parent=admins["Big MSP"].tenant).order_by("id").last()
    return {
        "sessions": sessions,
        "token": issued.value,
        "big_customer": big_customer.slug,
        "small_customer": solo.slug,
        "creation": timings,
    }


# --- Outside (orchestration and HTTP) --------------------------------------------------------


def _urls() -> tuple[str, str]:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return (
        urlunsplit(parts._replace(path="/postgres")),
        urlunsplit(parts._replace(path=f"/{NAME}")),
    )


def _dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://")


def _get(url: str, cookie: str | None = None) -> tuple[float, bytes]:
    headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
    started = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=120) as r:  # noqa: S310
        body = r.read()
    return time.perf_counter() - started, body


def _latency(url: str, cookie: str, repeat: int) -> float:
    _get(url, cookie)  # warm
    return statistics.median(_get(url, cookie)[0] for _ in range(repeat))


def _wrk(url: str, seconds: float, script: str | None = None, cookie: str | None = None) -> float:
    command = ["wrk", "-t2", "-c8", f"-d{max(1, round(seconds))}s"]
    if cookie:
        command += ["-H", f"Cookie: sessionid={cookie}"]
    if script:
        command += ["-s", script]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw failures:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


REGISTER_LUA = """
counter = 0
function setup(thread) thread:set("id", math.random(1, 1000000000)) end
function request()
  counter = counter + 1
  local body = string.format(
    '{"token": "%s", "hostname": "h", "os": "Linux", "machine_id": "m-%%d-%%d"}', id, counter)
  return wrk.format("POST", "/api/v1/agents/register",
                    {["Content-Type"] = "application/json"}, body)
end
"""


def _rss_kb(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    total = 0
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return total


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3g} ({min(values):.3g}-{max(values):.3g})"


PAGES = {
    "All customers Devices > All devices": "/console/{p}/devices/",
    "All customers token pane": "/console/{p}/devices/?pane=tokens",
    "Usage page": "/manage/{p}/usage/",
    "One customer's page (with the selector)": "/console/{c}/devices/",
    "Token API, first page (limit 100)": "/api/v1/tenants/{p}/registration_tokens",
}


def measure_pages(base: str, state: dict, args) -> list[tuple[str, str, str]]:
    """Each page of Big MSP beside the same page of Small MSP, interleaved by round."""
    big, small = state["sessions"]["Big MSP"], state["sessions"]["Small MSP"]
    ratios = {name: [] for name in PAGES}
    absolute = {name: [] for name in PAGES}
    for _ in range(args.rounds):
        for name, pattern in PAGES.items():
            big_url = base + pattern.format(p=big["partner"], c=state["big_customer"])
            small_url = base + pattern.format(p=small["partner"], c=state["small_customer"])
            b = _latency(big_url, big["cookie"], args.repeat)
            s = _latency(small_url, small["cookie"], args.repeat)
            ratios[name].append(b / s)
            absolute[name].append(b * 1000)
    return [
        (name, f"{_spread(absolute[name])} ms; x{_spread(ratios[name])} of 1 customer", "<= 1.5x")
        for name in PAGES
    ]


def measure_walk(base: str, state: dict, master: int, limit: int) -> tuple[str, str, str]:
    """Walk every token of Big MSP page by page; the workers' memory before and after."""
    big = state["sessions"]["Big MSP"]
    idle = _rss_kb(master)
    url = f"{base}/api/v1/tenants/{big['partner']}/registration_tokens?limit={limit}"
    pages, started = 0, time.perf_counter()
    while url:
        url = json.loads(_get(url, big["cookie"])[1])["next"]
        pages += 1
    walked = f"{pages} pages in {time.perf_counter() - started:.1f} s"
    what = f"Token API: every token, {limit} a page"
    return (what, f"{walked}; RSS x{_rss_kb(master) / idle:.2f}", "< 1.2x")


def measure_rates(base: str, state: dict, args, workdir: str) -> list[tuple[str, str, str]]:
    """Throughputs with wrk, interleaved by round: registrations beside a trivial DRF
    endpoint, and a trivial view under a tenant's URL beside the same view without."""
    cookie = state["sessions"]["Big MSP"]["cookie"]
    script = Path(workdir) / "register.lua"
    script.write_text(REGISTER_LUA % state["token"])
    pings, registers, plain, scoped = [], [], [], []
    for _ in range(args.rounds):
        pings.append(_wrk(f"{base}/api/v1/ping", args.seconds))
        registers.append(_wrk(base, args.seconds, script=str(script)))
        plain.append(_wrk(f"{base}/bench/plain/", args.seconds, cookie=cookie))
        scoped.append(_wrk(f"{base}/bench/{state['big_customer']}/", args.seconds, cookie=cookie))
    per_second = f"{statistics.median(registers):.0f}/s beside {statistics.median(pings):.0f}/s"
    registration = [r / p for r, p in zip(registers, pings, strict=True)]
    cost = [p / s for p, s in zip(plain, scoped, strict=True)]
    return [
        ("Registration / ping", f"{_spread(registration)} ({per_second})", ">= 0.5"),
        ("Tenant-scoped trivial view, cost vs without tenant", f"x{_spread(cost)}", "<= 1.10x"),
    ]


def creation_rows(state: dict, setups: list[float]) -> list[tuple[str, str, str]]:
    creation = state["creation"]
    first, last = creation[:50], creation[-50:]

    def window(part):
        return f"{_spread([t for _, t in part])} s at {part[0][0]}-{part[-1][0]} tenants"

    tenants = creation[-1][0]
    return [
        ("Creating a customer", f"{window(first)}; {window(last)}", "<= 0.3 s, flat"),
        ("setup_portal, nothing to apply", f"{_spread(setups)} s at {tenants} tenants", "<= 5 s"),
    ]


def prepare(args, env: dict, server_url: str) -> dict:
    """Build the scratch database (unless --reuse); returns what build() reported."""
    state_file = Path(tempfile.gettempdir()) / f"{NAME}.json"
    if args.reuse:
        return json.loads(state_file.read_text())
    with psycopg.connect(_dsn(server_url), autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        c.execute(f"CREATE DATABASE {NAME}")
    demo_database(env)
    options = ["--customers", str(args.customers)]
    return built_inside("tests.benchmarks.bench_scale", options, env, state_file)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5, help="requests per page and round")
    parser.add_argument("--seconds", type=float, default=5, help="each wrk phase")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--inside", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside == "build":
        import django  # noqa: PLC0415

        django.setup()
        print(json.dumps(build(args.customers)))
        return

    server_url, bench_url = _urls()
    workdir = tempfile.mkdtemp(prefix="bench-scale-")
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "DJANGO_SETTINGS_MODULE": "tests.benchmarks.settings",
        "CACHE_URL": f"filecache://{workdir}",
        "AGENT_TOKEN_FAILURE_LIMIT": "1000000",
    }
    state = prepare(args, env, server_url)
    setups = []
    for _ in range(2):
        started = time.perf_counter()
        setup = [sys.executable, str(ROOT / "manage.py"), "setup_portal", "-v0"]
        subprocess.run(setup, env=env, cwd=ROOT, check=True)
        setups.append(time.perf_counter() - started)

    server, base = start_gunicorn(env=env, workers=4)
    try:
        for _ in range(100):
            try:
                _get(f"{base}/api/v1/ping")
                break
            except OSError:
                time.sleep(0.2)
        rows = measure_pages(base, state, args)
        rows.append(measure_walk(base, state, server.pid, 100))
        rows.append(measure_walk(base, state, server.pid, 1000))
        rows += measure_rates(base, state, args, workdir)
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows += creation_rows(state, setups)
    if not args.keep:
        with psycopg.connect(_dsn(server_url), autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
    width = max(len(r[0]) for r in rows)
    print(f"\n{'what':<{width}}  measured: median (min-max) of {args.rounds} rounds | goal")
    for what, measured, goal in rows:
        print(f"{what:<{width}}  {measured} | {goal}")


if __name__ == "__main__":
    main()
