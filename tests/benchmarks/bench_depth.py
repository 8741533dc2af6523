"""Benchmark: the scale table at depth 3, and moving a reseller with its customers.

Builds, on a scratch database, a distributor (a partner at the top) with `--resellers`
sub-partners, `--customers` customers spread evenly over them, `--units` units under each
customer, and a folder "Direct customers" holding one customer without units (the leaf every
level is compared with). Every customer and unit gets `--per` devices (directory entries),
registration tokens, audit events and users, half as many protection plans and 30 days of
usage: the same data a tenant wherever it stands, and at least a full page of each list at
the leaf (50 a page: a list of fewer rows would flatter the leaf). Tenants and rows are
inserted by SQL (the tenants trigger fills `lineage` and `family`; parents first); only the
measured customer, its units and the leaf get schemas, as no list at a level reads others.

Then, in-process (Django's test client against the scratch database: no HTTP server, so the
figure is the view's own time and the machine's noise is smaller), the distributor's
administrator requests every subtree page and API list at four levels: the distributor
(everything), a reseller (its customers and their units), a customer (itself and its
units) and the leaf customer; rounds interleaved, median of `--repeat` requests a round.
Each level's figure is divided by the leaf's of the same round.

Last, `tenants.tree.tenant_move` moves a reseller with its customers and units under
another reseller and back, then under the folder and back (`--moves` each), timed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m tests.benchmarks.bench_depth

The scratch database `portal_depth` (BENCH_DATABASE names another) is dropped at the end
(`--keep` keeps it; `--reuse` measures a kept one again).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
NAME = os.environ.get("BENCH_DATABASE", "portal_depth")

PAGES = {
    "Devices": "/console/{t}/devices/",
    "Token pane": "/console/{t}/devices/?pane=tokens",
    "Protection plans": "/console/{t}/plans/",
    "Usage": "/manage/{t}/usage/",
    "Audit log": "/manage/{t}/audit/",
    "Users": "/manage/{t}/users/",
    "Customers": "/manage/{t}/customers/",
    "API tokens": "/api/v1/tenants/{t}/registration_tokens?limit=25",
    "API plans": "/api/v1/tenants/{t}/protection_plans?limit=25",
    "API users": "/api/v1/tenants/{t}/users?limit=25",
    "API audit events": "/api/v1/tenants/{t}/audit_events?limit=25",
}
LEVELS = ("distributor", "reseller", "customer", "leaf")

# Every customer-side tenant of the tree gets the same rows (by SQL: seconds, not minutes).
FILL = """
INSERT INTO tenants_user (password, is_superuser, username, first_name, last_name, email,
    is_staff, is_active, date_joined, role, tenant_id, family)
SELECT '!', false, 'u' || k || '-' || t.slug, '', '', '', false, true, now(),
       CASE WHEN k = 1 THEN CASE t.kind WHEN 'unit' THEN 'unit_admin' ELSE 'company_admin' END
            ELSE 'user' END, t.id, t.family
FROM tenants_tenant t, generate_series(1, %(per)s) k
WHERE t.family = %(top)s AND t.kind IN ('customer', 'unit');
CREATE TEMP TABLE owners ON COMMIT DROP AS
    SELECT DISTINCT ON (tenant_id) tenant_id, id, username FROM tenants_user
    WHERE family = %(top)s AND role = 'user' ORDER BY tenant_id, id;
INSERT INTO agents_directory_deviceentry (tenant_id, partner_id, device_id, agent_id,
    hostname, os, agent_version, owner_id, owner_username, customer_name, customer_slug,
    plan_names, registered_at, registered_token_prefix)
SELECT t.id, t.family, i, gen_random_uuid(), 'host-' || i, 'Linux', '', o.id, o.username,
       t.name, t.slug, '{}', now() - i * interval '1 hour', ''
FROM tenants_tenant t JOIN owners o ON o.tenant_id = t.id, generate_series(1, %(per)s) i;
INSERT INTO tokens_registrationtoken (public_id, tenant_id, family, customer_name, user_id,
    user_username, created_by_id, created_at, expires_at, plan_name, digest, prefix,
    registrations, machines, allowed_networks)
SELECT gen_random_uuid(), t.id, t.family, t.name, o.id, o.username, %(admin)s,
       now() - i * interval '1 hour', now() + interval '7 days', '',
       md5(random()::text) || md5(random()::text), 'AB', 0, 0, '{}'
FROM tenants_tenant t JOIN owners o ON o.tenant_id = t.id, generate_series(1, %(per)s) i;
INSERT INTO agents_directory_planentry (tenant_id, partner_id, plan_id, name, schedule,
    what_to_back_up, start_time, retention_days, encryption, updated_at, customer_name,
    customer_slug)
SELECT t.id, t.family, i, 'Plan ' || i, 'daily', 'files', '02:00', 30, true, now(), t.name,
       t.slug
FROM tenants_tenant t JOIN owners o ON o.tenant_id = t.id,
     generate_series(1, greatest(1, %(per)s / 2)) i;
INSERT INTO tenants_auditevent (at, actor_name, action, object_type, object_id, object_repr,
    details, source, actor_id, tenant_id, family, count)
SELECT now() - i * interval '1 hour', o.username, 'token.create', 'token', i::text, 'token',
       '{}', 'console', o.id, t.id, t.family, 1
FROM tenants_tenant t JOIN owners o ON o.tenant_id = t.id, generate_series(1, %(per)s) i;
INSERT INTO tokens_usageday (family, day, registrations, failures, tenant_id)
SELECT t.family, current_date - d, 1 + (t.id + d) %% 5, 0, t.id
FROM tenants_tenant t JOIN owners o ON o.tenant_id = t.id, generate_series(0, 29) d;
"""


def _dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://")


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3g} ({min(values):.3g}-{max(values):.3g})"


# --- Inside Django (a subprocess on the scratch database) ------------------------------------


def _bare(parent, kind: str, names: list[str]) -> list:
    """Tenants without schemas under `parent` (the trigger fills their paths)."""
    from tenants.models import Tenant  # noqa: PLC0415

    made = Tenant.objects.bulk_create(
        Tenant(
            name=name,
            slug=name.lower().replace(" ", "-"),
            kind=kind,
            parent=parent,
            schema_name="t_" + name.lower().replace(" ", "_").replace("-", "_"),
        )
        for name in names
    )
    return list(Tenant.objects.filter(pk__in=[t.pk for t in made]).order_by("id"))


def build(args) -> dict:
    from django.db import connection  # noqa: PLC0415

    from tenants.models import Tenant, User  # noqa: PLC0415

    top = Tenant(name="Distributor", slug="distributor", kind="partner", schema_name="t_dist")
    top.save(verbosity=0)  # a schema, as every partner has
    admin = User.objects.create(
        username="distributor-admin", password="!", tenant=top, role="partner_admin"
    )
    resellers = _bare(top, "partner", [f"Reseller {r:02}" for r in range(args.resellers)])
    (folder,) = _bare(top, "folder", ["Direct customers"])
    per_reseller = args.customers // args.resellers
    customers = []
    for r, reseller in enumerate(resellers):
        names = [f"Customer {r:02}-{c:02}" for c in range(per_reseller)]
        customers += _bare(reseller, "customer", names)
    units = []
    for start in range(0, len(customers), 200):  # one insert per 200 customers' units
        for customer in customers[start : start + 200]:
            names = [f"{customer.name} unit {u}" for u in range(args.units)]
            units += _bare(customer, "unit", names)
    (leaf,) = _bare(folder, "customer", ["Leaf customer"])
    with connection.cursor() as cursor:
        cursor.execute(FILL, {"top": top.pk, "per": args.per, "admin": admin.pk})
        cursor.execute("ANALYZE")
    measured = Tenant.objects.get(pk=customers[-1].pk)  # the last reseller's last customer
    for tenant in [leaf, measured, *Tenant.objects.filter(parent=measured)]:
        tenant.create_schema(check_if_exists=True, verbosity=0)
    return {
        "admin": admin.username,
        "levels": {
            "distributor": top.slug,
            "reseller": resellers[-1].slug,
            "customer": measured.slug,
            "leaf": leaf.slug,
        },
        "move": {"tenant": resellers[0].slug, "to": resellers[1].slug, "folder": folder.slug},
        "tenants": Tenant.objects.filter(family=top.pk).count(),
    }


def _database_ms(cursor, schema: str, statements: list[str]) -> float:
    """PostgreSQL's own execution time of a request's reads (EXPLAIN ANALYZE of each SELECT
    as the request ran it, in the level's search path): the database's part of a page,
    without the client's scheduling on a loaded machine."""
    total = 0.0
    cursor.execute(f'SET search_path TO "{schema}", public')
    for sql in statements:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        raw = cursor.fetchone()[0]
        total += (json.loads(raw) if isinstance(raw, str) else raw)[0]["Execution Time"]
    cursor.execute("SET search_path TO public")
    return total


def measure(state: dict, rounds: int, repeat: int) -> dict:
    """Per page and level, per round: (wall ms, cost ms, statements), where the cost is the
    request's CPU in Python plus its reads' execution time in PostgreSQL: steadier than the
    wall time when other work shares the machine. In-process, interleaved by round."""
    from django.db import connection, reset_queries  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    from tenants.models import Tenant, User  # noqa: PLC0415

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(User.objects.get(username=state["admin"]))
    schemas = {
        level: Tenant.objects.get(slug=slug).schema_name for level, slug in state["levels"].items()
    }

    def request(url: str) -> tuple[float, float]:
        started, cpu = time.perf_counter(), time.thread_time()
        response = client.get(url)
        took = (time.perf_counter() - started) * 1000, (time.thread_time() - cpu) * 1000
        assert response.status_code == 200, (url, response.status_code)  # noqa: PLR2004, S101
        return took

    results: dict = {page: {level: [] for level in LEVELS} for page in PAGES}
    for _ in range(rounds):
        for page, pattern in PAGES.items():
            for level in LEVELS:
                url = pattern.format(t=state["levels"][level])
                request(url)  # warm
                reset_queries()  # a request resets the log: count from empty
                with CaptureQueriesContext(connection) as captured:
                    request(url)
                statements = [q["sql"] for q in captured.captured_queries]  # before the next
                reads = [sql for sql in statements if sql.startswith("SELECT")]
                runs = [request(url) for _ in range(repeat)]
                with connection.cursor() as cursor:
                    db = [_database_ms(cursor, schemas[level], reads) for _ in range(repeat)]
                wall = statistics.median(w for w, _ in runs)
                cost = statistics.median(c for _, c in runs) + statistics.median(db)
                results[page][level].append((wall, cost, len(statements)))
    return results


def moves(state: dict, count: int) -> dict:
    """Seconds of each tenant_move of the reseller, there and back."""
    from tenants.audit import CLI  # noqa: PLC0415
    from tenants.models import Tenant, User  # noqa: PLC0415
    from tenants.tree import tenant_move  # noqa: PLC0415

    actor = User.objects.get(username=state["admin"])
    top = actor.tenant
    moved = state["move"]
    results: dict = {}
    for target in ("to", "folder"):
        times = []
        for _ in range(count):
            for to in (moved[target], top.slug):
                tenant = Tenant.objects.select_related("parent").get(slug=moved["tenant"])
                destination = Tenant.objects.get(slug=to)
                started = time.perf_counter()
                tenant_move(actor=actor, tenant=tenant, to=destination, origin=CLI)
                times.append(time.perf_counter() - started)
        below = Tenant.objects.filter(lineage__contains=[tenant.pk]).count()
        results[target] = {"times": times, "tenants": below}
    # The worker's two runs of the rows' rewrite (no worker here): a kept database (--keep,
    # then --reuse) is measured with its middle levels on their index ranges, not on ids.
    from tenants.depth import rewrite_queued  # noqa: PLC0415

    rewrite_queued()
    rewrite_queued()
    return results


# --- Outside (orchestration) ------------------------------------------------------------------


def _inside(args, env: dict, what: str, *extra: str) -> dict:
    command = [sys.executable, "-m", "tests.benchmarks.bench_depth", "--inside", what]
    command += ["--resellers", str(args.resellers), "--customers", str(args.customers)]
    command += ["--units", str(args.units), "--per", str(args.per), *extra]
    out = subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def prepare(args, env: dict, server_url: str) -> dict:
    state_file = Path(tempfile.gettempdir()) / f"{NAME}.json"
    if args.reuse:
        return json.loads(state_file.read_text())
    with psycopg.connect(_dsn(server_url), autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        c.execute(f"CREATE DATABASE {NAME}")
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "setup_portal", "-v0"], env=env, cwd=ROOT, check=True)
    started = time.perf_counter()
    state = _inside(args, env, "build")
    state_file.write_text(json.dumps(state))
    print(f"built {state['tenants']} tenants in {time.perf_counter() - started:.0f} s")
    return state


def report(state: dict, pages: dict, moved: dict, args) -> None:
    print(f"\n{state['tenants']} tenants; {args.per} devices, tokens, audit events a tenant")
    print(
        "per page and level: cost (Python CPU + PostgreSQL execution) ms, x the leaf's;"
        f" wall ms, x the leaf's; statements (median, min-max of {args.rounds} rounds)"
    )
    worst = {"cost": (0.0, ""), "wall": (0.0, "")}
    print("| page | " + " | ".join(LEVELS) + " |")
    print("|---" * (len(LEVELS) + 1) + "|")
    for page, levels in pages.items():
        leaf = levels["leaf"]
        cells = []
        for level in LEVELS:
            rows = levels[level]
            cost = [c / lc for (_, c, _), (_, lc, _) in zip(rows, leaf, strict=True)]
            wall = [w / lw for (w, _, _), (lw, _, _) in zip(rows, leaf, strict=True)]
            if level != "leaf":
                where = f"{page} at the {level}"
                worst["cost"] = max(worst["cost"], (statistics.median(cost), where))
                worst["wall"] = max(worst["wall"], (statistics.median(wall), where))
            cells.append(
                f"{statistics.median(c for _, c, _ in rows):.1f} x{_spread(cost)};"
                f" {statistics.median(w for w, _, _ in rows):.0f} ms x{_spread(wall)};"
                f" {rows[0][2]}"
            )
        print(f"| {page} | " + " | ".join(cells) + " |")
    for what, (ratio, where) in worst.items():
        print(f"worst {what}: x{ratio:.2f} ({where}); goal <= 1.5x")
    for target, result in moved.items():
        ms = [t * 1000 for t in result["times"]]
        what = "another reseller" if target == "to" else "a folder"
        print(
            f"move of a reseller ({result['tenants']} tenants) under {what} and back: "
            f"{_spread(ms)} ms over {len(ms)} moves; goal < 1,000 ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resellers", type=int, default=50)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--units", type=int, default=2)
    parser.add_argument("--per", type=int, default=50, help="devices, tokens, events a tenant")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--moves", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--inside", help=argparse.SUPPRESS)
    parser.add_argument("--state", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        import django  # noqa: PLC0415

        django.setup()
        if args.inside == "build":
            print(json.dumps(build(args)))
        else:
            state = json.loads(Path(args.state).read_text())
            pages = measure(state, args.rounds, args.repeat)
            print(json.dumps({"pages": pages, "moves": moves(state, args.moves)}))
        return

    server_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    bench_url = server_url.rsplit("/", 1)[0] + f"/{NAME}"
    workdir = tempfile.mkdtemp(prefix="bench-depth-")
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "DJANGO_SETTINGS_MODULE": "tests.benchmarks.settings",
        "CACHE_URL": f"filecache://{workdir}",
    }
    state = prepare(args, env, server_url)
    state_file = Path(workdir) / "state.json"
    state_file.write_text(json.dumps(state))
    extra = ("--state", str(state_file), "--rounds", str(args.rounds))
    extra += ("--repeat", str(args.repeat), "--moves", str(args.moves))
    result = _inside(args, env, "measure", *extra)
    if not args.keep:
        with psycopg.connect(_dsn(server_url), autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
    report(state, result["pages"], result["moves"], args)


if __name__ == "__main__":
    main()
