"""Test fixtures. The demo tenants are created once per test session (their schemas are
cloned from the template schema), and every test runs in a transaction that is rolled back,
so tests may create tenants, users and plans freely.

The test tiers (a plain run leaves the end-to-end tests out) are tests/tiers.py; the live
servers' fixtures are tests/live/fixtures.py, registered here so any test may ask for one.
"""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, connections

from tenants.models import Tenant, User
from tenants.schemas import ensure_template_schema
from tests.live import databases
from tests.redis_server import own_redis, redis_cache  # noqa: F401  (fixtures)

pytest_plugins = ["pytester", "tests.tiers", "tests.live.fixtures"]

DEMO_PASSWORD = "demo-test-password"


@pytest.fixture(scope="session")
def django_db_keepdb() -> bool:
    """Django keeps (and only checks the migrations of) the test database: it exists already,
    a copy of the prepared template (`_test_database_from_template`). `--create-db` still
    makes Django create and migrate one itself."""
    return True


@pytest.fixture(scope="session")
def _test_database_from_template(request, django_db_blocker):
    """The test database as a copy of the migrated and seeded template the live servers'
    databases come from (tests/live/databases.py, kept between runs), instead of 226
    migrations in this process every run; dropped at the end unless `--reuse-db`."""
    reuse = request.config.getvalue("reuse_db")
    name = databases.base_name()
    if not (reuse and databases.exists(name)):
        databases.copy_template(name)
    yield
    if not reuse:
        with django_db_blocker.unblock():
            connections.close_all()
        databases.drop(name)


@pytest.fixture(scope="session")
def django_db_setup(_test_database_from_template, django_db_setup, django_db_blocker):
    """The test database (above), its template schema, and the demo data with DEMO_PASSWORD
    (seed_demo sets the passwords of demo data already present)."""
    with django_db_blocker.unblock():
        ensure_template_schema()
        call_command("seed_demo", password=DEMO_PASSWORD, verbosity=0)
        connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _public_schema_after_each_test():
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _empty_cache_after_each_test():
    """Throttling counters live in the shared cache; no test inherits another's."""
    yield
    cache.clear()


@pytest.fixture
def tenants(db) -> dict[str, Tenant]:
    """The demo tenants by slug: demo-msp, globex, initech, other-msp, umbrella."""
    return {t.slug: t for t in Tenant.objects.all()}


@pytest.fixture
def users(db) -> dict[str, User]:
    """The demo users by username (msp-admin, globex-alice, platform-admin, ...)."""
    return {u.username: u for u in User.objects.select_related("tenant")}


@pytest.fixture
def login(client, users):
    """Sign the test client in as a demo user: `login("globex-admin")`."""

    def _login(username: str):
        client.force_login(users[username])
        return client

    return _login
