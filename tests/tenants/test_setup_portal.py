"""`setup_portal` with nothing to apply is cheap (issue 19, item 5): no migrate run and no
system checks (loading every URL and view) for it; with something to apply the checks still
stop it before anything is migrated. The figures: tests/benchmarks/bench_upgrades.py."""

import io

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.db.models.signals import pre_migrate


@pytest.fixture
def failing_check():
    def broken(app_configs, **kwargs):
        return [checks.Error("planted by the test", id="tests.E001")]

    checks.register(broken)
    yield
    checks.registry.registry.registered_checks.discard(broken)


@pytest.fixture
def migrate_runs():
    runs: list[str] = []

    def seen(sender, **kwargs):
        runs.append(sender.label)

    pre_migrate.connect(seen)
    yield runs
    pre_migrate.disconnect(seen)


def test_nothing_to_apply_runs_no_migrate_and_no_checks(tenants, failing_check, migrate_runs):
    out = io.StringIO()
    call_command("setup_portal", stdout=out, skip_checks=False)
    assert "Database: up to date" in out.getvalue()
    assert migrate_runs == []


def test_something_to_apply_runs_the_checks_first(tenants, failing_check, migrate_runs):
    # The app's leaf migration (the setup looks for the graph's leaves first).
    from django.db.migrations.loader import MigrationLoader

    (_, leaf), *_ = MigrationLoader(None).graph.leaf_nodes("agents_directory")
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM public.django_migrations WHERE app = 'agents_directory' AND name = %s",
            [leaf],
        )
    with pytest.raises(SystemCheckError, match="planted by the test"):
        call_command("setup_portal", stdout=io.StringIO(), skip_checks=False)
    assert migrate_runs == []
