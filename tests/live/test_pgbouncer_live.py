"""Two app servers behind one PgBouncer in transaction mode: no tenant leaks into another.

Two gunicorn instances (3 workers each, on two ports, sharing a Redis of the test's own)
reach PostgreSQL only through one PgBouncer whose pool (2 server connections) is smaller
than the number of workers, so every server connection serves many clients and tenants in
turn. Clients of three customers hammer both instances for a bounded time: agents reading
their device and applying and revoking plans, new registrations, console pages (a plan's
page reads the customer's schema) and API lists. Every name the test seeds carries its
customer (`zq-<customer>-...`), every answer is searched for another customer's names, and
afterwards every row written is checked to be in its customer's schema (devices, plan links,
directory entries). With the per-statement search path: 0 leaks. The same run with
django-tenants' session binding (selectable in the test settings only) must find leaks,
which shows that the detector works.
"""

import json
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from itertools import count

import psycopg
import pytest
from django.conf import settings

from tests.live.databases import template_copy
from tests.live.http import Session
from tests.live.pgbouncer import running_pgbouncer
from tests.live.server import (
    PASSWORD,
    ROOT,
    portal_env,
    start_gunicorn,
    stop_gunicorn,
    wait_until_up,
)
from tests.redis_server import running_redis

POOL_SIZE = 2
WORKERS = 3  # per instance, two instances
# customer -> (its company administrator in the console, the user its agents belong to)
CUSTOMERS = {
    "globex": ("globex-admin", "globex-alice"),
    "initech": ("initech-admin", "initech-carol"),
    "umbrella": ("other-admin", "umbrella-dave"),
}
PLANS = 3  # per customer, so plan ids overlap between schemas
DEVICES = 4  # registered beforehand per customer, so device ids overlap between schemas
MARKER = re.compile(r"zq-([a-z]+)-")


def seed() -> None:
    """Run inside the portal (manage.py shell): each customer's plans and agent token."""
    from agents.services import plans  # noqa: PLC0415
    from tenants.audit import CLI  # noqa: PLC0415
    from tenants.models import Tenant, User  # noqa: PLC0415
    from tokens import services  # noqa: PLC0415

    out = {}
    for slug, (admin_name, user_name) in CUSTOMERS.items():
        tenant, admin = Tenant.objects.get(slug=slug), User.objects.get(username=admin_name)
        made = [
            plans.plan_create(
                actor=admin, tenant=tenant, data={"name": f"zq-{slug}-plan-{n}"}, origin=CLI
            )
            for n in range(PLANS)
        ]
        issued = services.token_create(
            actor=admin,
            tenant=tenant,
            user_id=User.objects.get(username=user_name).pk,
            plan_id=made[0].pk,
            description=f"zq-{slug}-token",
            origin=CLI,
        )
        out[slug] = {"plans": {p.pk: p.name for p in made}, "token": issued.value}
    print(json.dumps(out))


@dataclass
class Tally:
    requests: int = 0
    leaks: list = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, slug: str, what: str, status: int, body: str) -> None:
        foreign = sorted({m for m in MARKER.findall(body) if m != slug})
        with self.lock:
            self.requests += 1
            self.statuses[status // 100 * 100] += 1
            if foreign:
                self.leaks.append((slug, what, foreign))

    def leak(self, slug: str, what: str, detail) -> None:
        with self.lock:
            self.leaks.append((slug, what, detail))


def call(base: str, path: str, body: dict | None = None, secret: str | None = None):
    headers = {"Content-Type": "application/json"}
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def registered(base: str, slug: str, token: str, hostname: str) -> dict:
    status, body = call(
        base,
        "/api/v1/agents/register",
        {"token": token, "hostname": hostname, "os": "Linux", "machine_id": hostname},
    )
    assert status == 201, (status, body[:300])
    return json.loads(body)


@pytest.fixture(scope="module")
def pooled_database():
    """A database of its own (a copy of the template), seeded further directly, then the
    test's PgBouncer and Redis in front of it: (direct URL, bouncer, redis, seeded data)."""
    with template_copy("pool") as (database_url, dsn):
        env = portal_env(database_url)
        out = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "shell", "-c",
             "from tests.live.test_pgbouncer_live import seed; seed()"],
            env=env, cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        data = json.loads(out.strip().splitlines()[-1])
        db = settings.DATABASES["default"]
        with (
            running_pgbouncer(
                host=db.get("HOST") or "",
                port=str(db.get("PORT") or ""),
                user=db.get("USER") or "postgres",
                dbname=database_url.rsplit("/", 1)[1],
                pool_size=POOL_SIZE,
            ) as bouncer,
            running_redis() as redis,
        ):
            yield database_url, dsn, bouncer, redis, data


def hammer(pooled, tmp_path, *, binding: str, seconds: float, round_name: str) -> dict:
    """Serve two instances through the bouncer and drive them; the figures of the run."""
    database_url, dsn, bouncer, redis, data = pooled
    env = portal_env(
        bouncer.url,
        DATABASE_POOLER="transaction",
        DATABASE_DIRECT_URL=database_url,
        PORTAL_TEST_CACHE_URL=redis.url,
        PORTAL_TEST_SEARCH_PATH_BINDING=binding,
    )
    servers = []
    try:
        for n in range(2):
            log = tmp_path / f"gunicorn-{binding}-{n}.log"
            process, url = start_gunicorn(env=env, workers=WORKERS, threads=2, log=log)
            servers.append((process, url, log))
        for process, url, log in servers:
            wait_until_up(url, process, log)
        return drive([url for _, url, _ in servers], dsn, data, seconds, round_name)
    finally:
        for process, _, _ in servers:
            stop_gunicorn(process)


def drive(bases: list[str], dsn: str, data: dict, seconds: float, round_name: str) -> dict:
    tally, serial = Tally(), count()
    # Devices registered beforehand (ids 1.. in every schema): two of each customer's get an
    # agent that reads its device and applies and revokes the token's plan.
    # What every round wrote, for the check of all rows afterwards.
    created = data.setdefault("created", {slug: [] for slug in CUSTOMERS})
    plan_state: dict[str, bool] = data.setdefault("plan_state", {})
    agents = {}
    for slug in CUSTOMERS:
        token = data[slug]["token"]
        made = [
            registered(bases[0], slug, token, f"zq-{slug}-{round_name}-dev-{n}")
            for n in range(DEVICES)
        ]
        agents[slug] = [(m["agent_secret"], f"zq-{slug}-{round_name}-dev-{n}") for n, m in
                        enumerate(made[:2])]  # fmt: skip
        created[slug] += [m["agent_id"] for m in made]
    deadline = time.monotonic() + seconds

    def base(n: int) -> str:
        return bases[n % len(bases)]

    def agent_loop(slug: str, secret: str, hostname: str) -> None:
        first_plan = min(data[slug]["plans"], key=int)
        plan_name = data[slug]["plans"][first_plan]
        token, n = data[slug]["token"], 0
        while time.monotonic() < deadline:
            for path, body in (
                ("/api/v1/agents/me", None),
                ("/api/v1/agents/me/plan/apply", {"token": token}),
                ("/api/v1/agents/me", None),
                ("/api/v1/agents/me/plan/revoke", {"token": token}),
            ):
                n += 1
                status, text = call(base(n), path, body, secret)
                tally.answer(slug, path, status, text)
                if status == 200 and path.endswith("/me"):
                    me = json.loads(text)
                    if me["hostname"] != hostname or me["tenant"]["id"] != slug:
                        tally.leak(slug, "device read", (hostname, me["hostname"]))
                    plans = {p["name"] for p in me["plans"]}
                    if plans - {plan_name}:
                        tally.leak(slug, "plans read", sorted(plans))
                if status == 200 and "/plan/" in path:
                    plan_state[hostname] = path.endswith("apply")

    def register_loop(slug: str) -> None:
        token, n = data[slug]["token"], 0
        while time.monotonic() < deadline:
            n += 1
            hostname = f"zq-{slug}-{round_name}-new-{next(serial)}"
            status, text = call(
                base(n),
                "/api/v1/agents/register",
                {"token": token, "hostname": hostname, "os": "Linux", "machine_id": hostname},
            )
            tally.answer(slug, "register", status, text)
            if status == 201:
                body = json.loads(text)
                if body["tenant"]["id"] != slug:
                    tally.leak(slug, "registered under", body["tenant"])
                created[slug].append(body["agent_id"])

    def console_loop(slug: str) -> None:
        admin = CUSTOMERS[slug][0]
        sessions = [Session(b).login(admin, PASSWORD) for b in bases]
        pages = [f"/console/{slug}/plans/{pk}/" for pk in data[slug]["plans"]] + [
            f"/console/{slug}/devices/",
            f"/console/{slug}/plans/",
            f"/api/v1/tenants/{slug}/protection_plans",
            f"/api/v1/tenants/{slug}/registration_tokens",
        ]
        n = 0
        while time.monotonic() < deadline:
            for page in pages:
                n += 1
                status, text = sessions[n % len(sessions)].get(page)
                tally.answer(slug, page, status, text)
                if status == 200 and "/plans/" in page and page[-2].isdigit():
                    name = data[slug]["plans"][page.rstrip("/").rsplit("/", 1)[1]]
                    if f'value="{name}"' not in text:
                        tally.leak(slug, "plan page", page)

    threads = []
    for slug in CUSTOMERS:
        threads += [threading.Thread(target=agent_loop, args=(slug, *a)) for a in agents[slug]]
        threads += [threading.Thread(target=register_loop, args=(slug,))]
        threads += [threading.Thread(target=console_loop, args=(slug,))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wrong_rows = rows_outside_their_schema(dsn, data, created, plan_state)
    return {
        "requests": tally.requests,
        "statuses": dict(tally.statuses),
        "leaks": len(tally.leaks),
        "examples": tally.leaks[:5],
        "wrong_rows": wrong_rows,
        "clients": len(threads),
    }


def rows_outside_their_schema(dsn: str, data: dict, created: dict, plan_state: dict) -> list:
    """Every written row where it belongs: devices and plan links in their customer's schema
    (a link exactly where that device's agent last left it), directory entries naming their
    customer."""
    wrong = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        for slug in CUSTOMERS:
            schema = f"t_{slug}"
            rows = conn.execute(f"SELECT hostname, agent_id::text FROM {schema}.agents_device")  # noqa: S608
            devices = dict(rows.fetchall())
            wrong += [(schema, h) for h in devices if not h.startswith(f"zq-{slug}-")]
            agent_ids = set(devices.values())
            wrong += [(schema, "missing", a) for a in created[slug] if a not in agent_ids]
            links = conn.execute(
                f"SELECT d.hostname, p.name FROM {schema}.agents_device_plans l"  # noqa: S608
                f" JOIN {schema}.agents_device d ON d.id = l.device_id"
                f" JOIN {schema}.agents_protectionplan p ON p.id = l.protectionplan_id"
            ).fetchall()
            first_plan = data[slug]["plans"][min(data[slug]["plans"], key=int)]
            expected = {
                (h, first_plan) for h, on in plan_state.items() if on and h.startswith(f"zq-{slug}")
            }
            wrong += [(schema, "link", link) for link in set(links) ^ expected]
        entries = conn.execute(
            "SELECT customer_slug, hostname, plan_names FROM agents_directory_deviceentry"
        ).fetchall()
        for slug, hostname, plan_names in entries:
            names = [hostname, *plan_names]
            if any(MARKER.match(n) and not n.startswith(f"zq-{slug}-") for n in names):
                wrong.append(("directory", slug, hostname, plan_names))
    return wrong


def test_no_tenant_leaks_through_a_transaction_pooler(pooled_database, tmp_path):
    figures = hammer(pooled_database, tmp_path, binding="statement", seconds=15, round_name="a")
    print(f"\nper-statement binding through PgBouncer (pool {POOL_SIZE}): {figures}")
    assert figures["requests"] > 300, figures
    assert figures["leaks"] == 0, figures
    assert figures["wrong_rows"] == [], figures
    assert set(figures["statuses"]) == {200}, figures


def test_the_session_binding_leaks_through_the_same_pooler(pooled_database, tmp_path):
    """The detector works: django-tenants' own binding leaks in the same scenario."""
    figures = hammer(pooled_database, tmp_path, binding="session", seconds=8, round_name="b")
    print(f"\nsession binding through PgBouncer (pool {POOL_SIZE}): {figures}")
    assert figures["leaks"] + len(figures["wrong_rows"]) > 0, figures


def test_readyz_answers_200_through_the_pooler_and_leaves_no_timeout_behind(
    pooled_database, tmp_path
):
    """Readiness behind PgBouncer in transaction mode (issue 19, item 3): PgBouncer refuses
    the `options` startup parameter, so a check that set its statement timeout there was 503
    for ever. Its timeout is now `SET LOCAL` in its own transaction, so neither server
    connection of the pool keeps it for the next client."""
    database_url, dsn, bouncer, redis, _data = pooled_database
    env = portal_env(
        bouncer.url,
        DATABASE_POOLER="transaction",
        DATABASE_DIRECT_URL=database_url,
        PORTAL_TEST_CACHE_URL=redis.url,
    )
    log = tmp_path / "gunicorn-readyz.log"
    process, url = start_gunicorn(env=env, workers=2, threads=2, log=log)
    try:
        wait_until_up(url, process, log)
        answers = []
        for _ in range(6):  # both workers, the migrations check and the cheap one after it
            started = time.monotonic()
            status, body = call(url, "/readyz")
            answers.append((status, json.loads(body), time.monotonic() - started))
    finally:
        stop_gunicorn(process)
    print(f"\n/readyz through PgBouncer: {[(s, round(t, 3)) for s, _, t in answers]}")
    for status, body, _took in answers:
        assert status == 200, (body, bouncer.log()[-1500:])
        assert body["status"] == "ok" and set(body["checks"].values()) == {"ok"}, body
    # Two transactions held at once take both server connections of the pool (size 2).
    with psycopg.connect(bouncer.dsn) as first, psycopg.connect(bouncer.dsn) as second:
        timeouts = [c.execute("SHOW statement_timeout").fetchone()[0] for c in (first, second)]
        backends = {c.execute("SELECT pg_backend_pid()").fetchone()[0] for c in (first, second)}
    with psycopg.connect(dsn) as direct:  # the server's own default
        (default,) = direct.execute("SHOW statement_timeout").fetchone()
    assert len(backends) == POOL_SIZE
    assert timeouts == [default, default]
