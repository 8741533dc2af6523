"""Benchmark (issue 19, item 5): `setup_portal` with nothing to apply, and creating a customer,
at a few tenants and at many, in one run; prints the figures and their ratios.

Goals: setup under 2 s plus 1 ms a tenant; creation flat within 1.2x from 10 to 2,000.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scratch \\
        .venv/bin/python -m tests.benchmarks.bench_upgrades --tenants 10 2000 --rounds 5

It works in a database of its own (DATABASE_URL's name + "_bench_upgrades", created and
dropped here). The many tenants are made cheaply by SQL (tests/launcher/many_tenants.py);
the measured customers are created through the service, as the console does.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parents[2]


def _setup_portal(env: dict) -> tuple[float, float]:
    """Wall and CPU seconds of one `manage.py setup_portal -v0` (CPU: the child's user+sys)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - this interpreter, the project's manage.py
        [sys.executable, "manage.py", "setup_portal", "-v0"], cwd=ROOT, env=env, check=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, nargs="+", default=[10, 2000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    url = urlsplit(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/") + "_bench_upgrades"
    scratch = urlunsplit(url._replace(path="/" + name))
    admin = urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": scratch}
    os.environ["DATABASE_URL"] = scratch
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
    try:
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "setup_portal", "-v0"], cwd=ROOT, env=env, check=True
        )
        results = _measure(scratch, env, sorted(args.tenants), args.rounds)
    finally:
        from django.db import connections  # noqa: PLC0415 - only once Django is set up

        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _report(results)


def _measure(url: str, env: dict, counts: list[int], rounds: int) -> dict:
    import django  # noqa: PLC0415 - after DATABASE_URL points at the scratch database

    django.setup()
    from tenants import services  # noqa: PLC0415
    from tenants.audit import CLI  # noqa: PLC0415
    from tenants.models import Tenant, User  # noqa: PLC0415
    from tests.launcher.many_tenants import make_customers  # noqa: PLC0415

    actor = User.objects.create_superuser("bench-root", password=None)
    partner = services.partner_create(actor=actor, name="Bench partner", origin=CLI)
    results, made, serial = {}, 0, 0
    for count in counts:
        # The partners and the customers created by earlier rounds count as tenants too.
        target = count - Tenant.objects.count()
        if target > made:
            make_customers(url, made + target, first=made + 1)
            made += target
        tenants = Tenant.objects.count()
        setup = [_setup_portal(env) for _ in range(3)]
        created = []
        # One unmeasured creation first: the process's first pays for caches and imports.
        for _ in range(rounds + 1):
            serial += 1
            started = time.perf_counter()
            services.customer_create(
                actor=actor, partner=partner, name=f"Bench {serial}", origin=CLI
            )
            created.append(time.perf_counter() - started)
        created = created[1:]
        results[tenants] = {
            "setup_wall": statistics.median(w for w, _ in setup),
            "setup_cpu": statistics.median(c for _, c in setup),
            "create": statistics.median(created),
        }
    return results


def _report(results: dict) -> None:
    for tenants, r in results.items():
        goal = 2 + tenants / 1000
        print(
            f"{tenants:>6} tenants: setup_portal (nothing to apply) {r['setup_wall']:.2f} s wall,"
            f" {r['setup_cpu']:.2f} s CPU (goal {goal:.2f} s); customer creation"
            f" {r['create'] * 1000:.0f} ms (median)"
        )
    low, high = min(results), max(results)
    a, b = results[low], results[high]
    print(
        f"ratio {high} / {low} tenants: creation {b['create'] / a['create']:.2f}x (goal <= 1.2x),"
        f" setup wall {b['setup_wall'] / a['setup_wall']:.2f}x,"
        f" setup CPU {b['setup_cpu'] / a['setup_cpu']:.2f}x"
    )


if __name__ == "__main__":
    main()
