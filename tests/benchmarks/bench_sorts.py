"""Benchmark: every sort offered at All customers, at a partner of 1 customer and of 1,000.

Builds, on a scratch database, "Small MSP" with one customer and "Big MSP" with `--customers`
customers (tenant rows without schemas: these lists read only the public schema), each
customer with `--per-customer` devices (directory entries), tokens and plan entries and a
few users, their values varied (names, operating systems, owners, dates, counters, some
tokens never used) so that every sort has something to order. Then it serves the portal
with gunicorn and, in interleaved rounds, requests each sort in both directions of
Devices > All devices, the token pane (Manage active tokens) and Protection plans, the first
page and a deep page, at both partners; it prints the medians and the Big/Small ratios.

The deep page is the one the Next link of page `--deep` leads to (at Small MSP, of its
next-to-last page): what a person paging forward reaches.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m tests.benchmarks.bench_sorts --customers 1000

The scratch database `portal_sorts` (BENCH_DATABASE names another) is dropped at the end
(`--keep` keeps it; `--reuse` measures a kept one again, migrating it first).
"""

import argparse
import html
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

import tests.benchmarks.live_env  # noqa: F401  (first: it chooses the settings)
from tests.benchmarks.bench_scale import _dsn, _get, _spread
from tests.benchmarks.demo_token import built_inside, demo_database
from tests.live.server import start_gunicorn

ROOT = Path(__file__).resolve().parents[2]
NAME = os.environ.get("BENCH_DATABASE", "portal_sorts")
USERS = 3  # per customer
PAGE = 25  # CONSOLE_PAGE_SIZE
PLANS = 50  # per customer: two pages at Small MSP, so its pages are as full as Big MSP's
OSES = ["Linux", "Windows 11", "Windows Server 2022", "macOS 14", "Ubuntu 24.04", "Debian 12"]
WORDS = ["alpha", "bravo", "delta", "echo", "kilo", "lima", "oscar", "sierra", "tango", "zulu"]

LISTS = {
    "devices": ("/console/{p}/devices/?sort={s}", "page", "name customer owner os registered"),
    "token pane": (
        "/console/{p}/devices/?pane=tokens&tsort={s}",
        "tpage",
        "created expires user customer machines registrations last_used",
    ),
    "plans": ("/console/{p}/plans/?sort={s}", "page", "name customer source schedule retention"),
}


# --- Inside Django (a subprocess on the scratch database) ------------------------------------


def build(customers: int, per_customer: int) -> dict:  # noqa: PLR0914 - one builder
    import datetime  # noqa: PLC0415
    import random  # noqa: PLC0415
    import uuid  # noqa: PLC0415

    from django.contrib.sessions.backends.db import SessionStore  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from agents.directory.models import DeviceEntry, PlanEntry  # noqa: PLC0415
    from tenants import services  # noqa: PLC0415
    from tenants.audit import CLI  # noqa: PLC0415
    from tenants.models import Tenant, User  # noqa: PLC0415
    from tokens import values  # noqa: PLC0415
    from tokens.models import RegistrationToken  # noqa: PLC0415

    rnd = random.Random(19)
    root = User.objects.get(username="platform-admin")
    now = timezone.now()
    day = datetime.timedelta(days=1)
    sessions = {}
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
        store = SessionStore()
        store["_auth_user_id"] = str(admin.pk)
        store["_auth_user_backend"] = "tenants.backends.TenantUserBackend"
        store["_auth_user_hash"] = admin.get_session_auth_hash()
        store.create()
        sessions[name] = {"cookie": store.session_key, "partner": partner.slug}
        slug = partner.slug
        tenants = Tenant.objects.bulk_create(
            Tenant(
                name=f"{rnd.choice(WORDS).title()} {n:04}",
                slug=f"{slug}-c{n}",
                kind="customer",
                parent=partner,
                family=partner.pk,
                schema_name=f"t_{slug.replace('-', '_')}_{n}",
            )
            for n in range(count)
        )
        for customer in tenants:
            users = User.objects.bulk_create(
                User(
                    username=f"{rnd.choice(WORDS)}-{customer.slug}-{k}",
                    password="!",
                    tenant=customer,
                    family=partner.pk,
                    role="user",
                )
                for k in range(USERS)
            )
            DeviceEntry.objects.bulk_create(
                DeviceEntry(
                    tenant=customer,
                    partner=partner,
                    device_id=n,
                    agent_id=uuid.uuid4(),
                    hostname=f"{rnd.choice(WORDS)}-{n:03}",
                    os=rnd.choice(OSES),
                    owner=(owner := rnd.choice(users)),
                    owner_username=owner.username,
                    customer_name=customer.name,
                    customer_slug=customer.slug,
                    plan_names=[],
                    registered_at=now - rnd.random() * 365 * day,
                )
                for n in range(per_customer)
            )
            RegistrationToken.objects.bulk_create(
                RegistrationToken(
                    tenant=customer,
                    family=partner.pk,
                    user=(owner := rnd.choice(users)),
                    # The copies token_create writes (a bulk insert skips the service).
                    customer_name=customer.name,
                    user_username=owner.username,
                    created_by=admin,
                    created_at=now - rnd.random() * 30 * day,
                    expires_at=now + (0.5 + rnd.random() * 30) * day,
                    digest=values.digest(values.normalize(values.generate())),
                    prefix="AB",
                    registrations=rnd.randrange(50),
                    machines=rnd.randrange(10),
                    last_used_at=None if rnd.random() < 0.3 else now - rnd.random() * 30 * day,
                )
                for _ in range(per_customer)
            )
            PlanEntry.objects.bulk_create(
                PlanEntry(
                    tenant=customer,
                    partner=partner,
                    plan_id=n,
                    name=f"{rnd.choice(WORDS).title()} {n}",
                    schedule=rnd.choice(["daily", "weekly", "monthly"]),
                    what_to_back_up=rnd.choice(["files", "disks", "entire_machine"]),
                    start_time=datetime.time(2, 0),
                    retention_days=rnd.randrange(1, 365),
                    encryption=True,
                    updated_at=now,
                    customer_name=customer.name,
                    customer_slug=customer.slug,
                )
                for n in range(PLANS)
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"sessions": sessions}


TABLES = {
    "devices": "agents_directory_deviceentry",
    "token pane": "tokens_registrationtoken",
    "plans": "agents_directory_planentry",
}


def database_times(rows: dict, sessions: dict, rounds: int, repeat: int) -> dict:
    """Per row: Big/Small ratios of the database time of the query that reads the page's
    rows (captured from the page, then run `repeat` times a round, interleaved; the
    execution time PostgreSQL reports). Less disturbed by a loaded machine than the page's
    time, and what a sort changes."""
    import re  # noqa: PLC0415
    import statistics  # noqa: PLC0415

    from django.db import connection  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    queries: dict = {}
    for name, urls in rows.items():
        table = next(t for what, t in TABLES.items() if name.startswith(f"{what} "))
        for partner, url in urls.items():
            client = Client(SERVER_NAME="127.0.0.1")
            client.cookies["sessionid"] = sessions[partner]["cookie"]
            path = re.sub(r"^https?://[^/]+", "", url)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path).status_code == 200, path  # noqa: PLR2004, S101
            reads = [
                q["sql"]
                for q in captured.captured_queries
                if f'FROM "{table}"' in q["sql"]
                and "ORDER BY" in q["sql"]
                and not q["sql"].startswith("SELECT COUNT(*)")
            ]
            queries[(name, partner)] = reads[0]
    ratios: dict = {name: [] for name in rows}
    absolute: dict = {name: [] for name in rows}
    with connection.cursor() as cursor:
        for _ in range(rounds):
            for name in rows:
                took = {}
                for partner in ("Big MSP", "Small MSP"):
                    times = []
                    for _ in range(repeat):  # the server's own time: no client scheduling
                        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {queries[(name, partner)]}")
                        raw = cursor.fetchone()[0]
                        plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
                        times.append(plan["Execution Time"] / 1000)
                    took[partner] = statistics.median(times)
                ratios[name].append(took["Big MSP"] / took["Small MSP"])
                absolute[name].append(took["Big MSP"] * 1000)
    return {name: (absolute[name], ratios[name]) for name in rows}


# --- Outside (orchestration and HTTP) --------------------------------------------------------


def _next_link(body: bytes, param: str) -> str | None:
    """The href of the "Next" link of the list's own pagination (the token pane's has its
    own, after the device list's, whose links carry the pane's page too)."""
    nav = b"Token pages" if param == "tpage" else b"Pages"
    found = re.search(
        rb'<nav class="pagination" aria-label="' + nav + rb'">(.*?)</nav>', body, re.S
    )
    if found is None:
        return None
    for href, text in re.findall(rb'<a href="([^"]+)"[^>]*>\s*([^<]+)</a>', found.group(1)):
        if text.strip() == b"Next":
            return html.unescape(href.decode())
    return None


def _deep_url(url: str, param: str, page: int, cookie: str) -> str:
    """The URL the Next link of `page` leads to."""
    body = _get(f"{url}&{param}={page}", cookie)[1]
    link = _next_link(body, param)
    if link is None:
        raise RuntimeError(f"no Next link on page {page} of {url}")
    return url.split("?")[0] + link


def targets(base: str, state: dict, args) -> dict[str, dict[str, str]]:
    """Per measured row ("devices -os, deep page"): the URL at each partner. A list with
    one page at Small MSP (plans) has no deep row."""
    rows: dict[str, dict[str, str]] = {}
    for what, (pattern, param, keys) in LISTS.items():
        per = args.per_customer if what != "plans" else PLANS
        for key in keys.split():
            for sort in (key, f"-{key}"):
                first, deep = f"{what} {sort}, first page", f"{what} {sort}, deep page"
                rows[first], pages = {}, {}
                for partner, session in state["sessions"].items():
                    url = base + pattern.format(p=session["partner"], s=sort)
                    rows[first][partner] = url
                    total = per * (1 if partner == "Small MSP" else args.customers)
                    last = -(-total // PAGE)
                    pages[partner] = min(args.deep, last - 1)
                if min(pages.values()) < 1:
                    continue
                rows[deep] = {
                    partner: _deep_url(
                        rows[first][partner], param, pages[partner], session["cookie"]
                    )
                    for partner, session in state["sessions"].items()
                }
    return rows


def measure(base: str, state: dict, args) -> tuple[list[tuple[str, float, str]], dict]:
    rows = targets(base, state, args)
    sessions = state["sessions"]
    ratios: dict[str, list[float]] = {name: [] for name in rows}
    absolute: dict[str, list[float]] = {name: [] for name in rows}
    for _ in range(args.rounds):
        for name, urls in rows.items():
            big = statistics.median(
                _get(urls["Big MSP"], sessions["Big MSP"]["cookie"])[0] for _ in range(args.repeat)
            )
            small = statistics.median(
                _get(urls["Small MSP"], sessions["Small MSP"]["cookie"])[0]
                for _ in range(args.repeat)
            )
            ratios[name].append(big / small)
            absolute[name].append(big * 1000)
    return [
        (name, statistics.median(ratios[name]), f"{_spread(absolute[name])} ms; x{_spread(r)}")
        for name, r in ratios.items()
    ], rows


def prepare(args, env: dict, server_url: str) -> dict:
    state_file = Path(tempfile.gettempdir()) / f"{NAME}.json"
    manage = [sys.executable, str(ROOT / "manage.py")]
    if args.reuse:  # the public schema's new migrations (the customers have no schemas)
        migrate = [*manage, "migrate_schemas", "--shared", "-v0"]
        subprocess.run(migrate, env=env, cwd=ROOT, check=True)
        return json.loads(state_file.read_text())
    with psycopg.connect(_dsn(server_url), autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        c.execute(f"CREATE DATABASE {NAME}")
    demo_database(env)
    options = ["--customers", str(args.customers), "--per-customer", str(args.per_customer)]
    return built_inside("tests.benchmarks.bench_sorts", options, env, state_file)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--per-customer", type=int, default=100)
    parser.add_argument("--deep", type=int, default=200, help="Big MSP: Next from this page")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3, help="requests per URL and round")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--inside", help=argparse.SUPPRESS)
    parser.add_argument("--targets", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside == "sql":
        import django  # noqa: PLC0415

        django.setup()
        given = json.loads(Path(args.targets).read_text())
        times = database_times(given["rows"], given["sessions"], args.rounds, args.repeat * 3)
        print(json.dumps(times))
        return
    if args.inside == "build":
        import django  # noqa: PLC0415

        django.setup()
        print(json.dumps(build(args.customers, args.per_customer)))
        return

    from tests.benchmarks.bench_scale import _urls  # noqa: PLC0415

    os.environ.setdefault("BENCH_DATABASE", NAME)
    server_url, _ = _urls()
    bench_url = server_url.rsplit("/", 1)[0] + f"/{NAME}"
    workdir = tempfile.mkdtemp(prefix="bench-sorts-")
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "DJANGO_SETTINGS_MODULE": "tests.benchmarks.settings",
        "CACHE_URL": f"filecache://{workdir}",
    }
    state = prepare(args, env, server_url)
    if args.build_only:
        return
    server, base = start_gunicorn(env=env, workers=2)
    try:
        for _ in range(100):
            try:
                _get(f"{base}/api/v1/ping")
                break
            except OSError:
                time.sleep(0.2)
        rows, urls = measure(base, state, args)
    finally:
        server.terminate()
        server.wait(timeout=30)
    target_file = Path(workdir) / "targets.json"
    target_file.write_text(json.dumps({"rows": urls, "sessions": state["sessions"]}))
    inside = [sys.executable, "-m", "tests.benchmarks.bench_sorts", "--inside", "sql"]
    inside += ["--targets", str(target_file), "--rounds", str(args.rounds)]
    inside += ["--repeat", str(args.repeat)]
    out = subprocess.run(inside, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    database = json.loads(out.stdout.strip().splitlines()[-1])
    if not args.keep:
        with psycopg.connect(_dsn(server_url), autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
    width = max(len(r[0]) for r in rows)
    print(f"\n{'what':<{width}}  Big MSP: median (min-max) of {args.rounds} rounds, x Small MSP")
    for what, _, measured in rows:
        print(f"{what:<{width}}  {measured}")
    worst = max(rows, key=lambda r: r[1])
    print(f"\nworst ratio: x{worst[1]:.2f} ({worst[0]}); goal <= 1.5x")
    print(f"\n{'the query of the page rows':<{width}}  database time at Big MSP, x Small MSP")
    for what, (absolute, ratios) in database.items():
        print(f"{what:<{width}}  {_spread(absolute)} ms; x{_spread(ratios)}")
    worst_db = max(database.items(), key=lambda item: statistics.median(item[1][1]))
    print(f"\nworst: x{statistics.median(worst_db[1][1]):.2f} ({worst_db[0]})")


if __name__ == "__main__":
    main()
