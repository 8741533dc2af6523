"""Benchmark: creating a customer by cloning the template schema vs. migrating a new schema.

Runs both ways side by side in one process against the configured database and prints the
median seconds of each and their ratio. Run it through the launcher's environment, e.g.:

    .venv/bin/python -m tests.benchmarks.bench_tenant_creation --rounds 5

(with DATABASE_URL pointing at a scratch database: it creates and drops tenants).
"""

import argparse
import os
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import override_settings

    from tenants.models import Tenant
    from tenants.schemas import ensure_template_schema

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    ensure_template_schema()
    partner, _ = Tenant.objects.get_or_create(
        slug="bench-partner",
        defaults={"name": "Bench partner", "kind": "partner", "schema_name": "t_bench_partner"},
    )

    def create(label: str, n: int) -> float:
        slug = f"bench-{label}-{n}"
        started = time.perf_counter()
        tenant = Tenant(
            name=slug,
            slug=slug,
            kind="customer",
            parent=partner,
            schema_name=Tenant.schema_name_for(slug),
        )
        tenant.save(verbosity=0)
        elapsed = time.perf_counter() - started
        tenant.delete(force_drop=True)
        return elapsed

    cloned, migrated = [], []
    for n in range(args.rounds):  # interleaved, so machine noise hits both alike
        cloned.append(create("clone", n))
        with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False, TENANT_BASE_SCHEMA=None):
            migrated.append(create("migrate", n))
    partner.delete(force_drop=True)
    c, m = statistics.median(cloned), statistics.median(migrated)
    print(f"clone template: median {c:.3f} s over {args.rounds} rounds")
    print(f"run migrations: median {m:.3f} s over {args.rounds} rounds")
    print(f"ratio migrate/clone: {m / c:.1f}x")


if __name__ == "__main__":
    main()
