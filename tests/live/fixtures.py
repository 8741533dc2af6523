"""The live servers as fixtures, registered for the whole suite by the root conftest so a
test anywhere may ask for one (tests/tiers.py then counts it as end-to-end).

None of them needs pytest-django's test database: each server runs on a copy of the
prepared template (tests/live/databases.py). Depending on `django_db_setup` instead made a
live module run on its own fail: pytest-django sets up a test database only when a
collected test uses the ORM, so alone the live fixtures ran the template schema's
migrations against the empty development database ('relation "tenants_user" does not
exist').
"""

from collections.abc import Iterator

import pytest

from tests.live.cluster import Cluster, running_cluster
from tests.live.databases import template_copy
from tests.live.server import (
    LivePortal,
    portal_env,
    start_gunicorn,
    stop_gunicorn,
    wait_until_up,
)


@pytest.fixture(scope="session")
def live_portal(tmp_path_factory) -> Iterator[LivePortal]:
    """One gunicorn (3 workers, 4 threads each) on a database of its own, for the session."""
    with template_copy("live") as (database_url, dsn):
        # A blocked address gets a token lookup every 3 s here (20 s by default), so a test
        # can watch the real agent program honour Retry-After without waiting long.
        env = portal_env(
            database_url, AGENT_TOKEN_BLOCKED_INTERVAL="3", METRICS_ALLOWED_ADDRESSES="127.0.0.1"
        )
        log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
        process, url = start_gunicorn(env=env, workers=3, threads=4, log=log)
        try:
            wait_until_up(url, process, log)
            yield LivePortal(url=url, database_url=database_url, dsn=dsn, log=log)
        finally:
            stop_gunicorn(process)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    """Two app servers (two gunicorn workers and a task worker each), one database, one
    Redis; for the tests of one module, then stopped."""
    with running_cluster(tmp_path_factory.mktemp("cluster"), task_workers=True) as running:
        yield running
