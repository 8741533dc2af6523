"""Every All customers page, and the registration, costs the same with 1 customer or 30.

For each page the test counts the statements, the size of their SQL and the table rows
PostgreSQL read (`pg_stat_xact_user_tables`, this transaction's own counters), first with
the demo data plus one extra customer, then with 30; the same devices and tokens are spread
over the customers in both cases, so only the number of customers changes. Sequential scans
are off while measuring, so plans are the index scans PostgreSQL would choose at scale.
"""

import itertools
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from agents.directory.models import DeviceEntry, PlanEntry
from tenants.models import Tenant
from tests.agents.helpers import register
from tests.factories import make_bare_customers, make_token
from tokens import usage, values
from tokens.models import RegistrationToken, UsageDay

DEVICES = 60
_serial = itertools.count(1)

PAGES = [
    "/console/demo-msp/devices/",
    "/console/demo-msp/devices/?sort=-owner",
    "/console/demo-msp/devices/?pane=tokens",
    "/console/demo-msp/plans/",
    "/manage/demo-msp/usage/",
    "/manage/demo-msp/customers/",
    "/manage/demo-msp/users/",
    "/manage/demo-msp/audit/",
    "/manage/demo-msp/audit/?action=plan.create&user=msp-admin&date_from=2026-01-01",
]
API = [
    "/api/v1/tenants?limit=2",
    "/api/v1/tenants/demo-msp/registration_tokens?limit=2",
    "/api/v1/tenants/demo-msp/protection_plans?limit=2",
    "/api/v1/tenants/demo-msp/users?limit=2",
    "/api/v1/tenants/demo-msp/audit_events?limit=2",
    "/api/v1/tenants/demo-msp/audit_events?limit=2&action=token.create&user=msp-admin"
    "&since=2026-01-01T00:00:00Z",
]


def spread_over(customers: int, tenants, users) -> None:
    """`customers` customers of Demo MSP without schemas (no page at All customers reads
    one), with DEVICES devices, plans and tokens spread over them."""
    created = make_bare_customers(tenants["demo-msp"], "Scale", customers)
    owner, now = users["msp-admin"], timezone.now()
    DeviceEntry.objects.bulk_create(
        DeviceEntry(
            tenant=created[n % customers],
            partner=tenants["demo-msp"],
            device_id=n,
            agent_id=uuid.uuid4(),
            hostname=f"host-{n:03}",
            os="Linux",
            owner=owner,
            owner_username=owner.username,
            customer_name=created[n % customers].name,
            customer_slug=created[n % customers].slug,
            plan_names=["Nightly"],
            registered_at=now,
        )
        for n in range(DEVICES)
    )
    PlanEntry.objects.bulk_create(
        PlanEntry(
            tenant=created[n % customers],
            partner=tenants["demo-msp"],
            plan_id=n,
            name=f"Nightly {n:03}",
            schedule="daily",
            what_to_back_up="files",
            start_time="23:00",
            retention_days=30,
            encryption=True,
            updated_at=now,
            customer_name=created[n % customers].name,
            customer_slug=created[n % customers].slug,
        )
        for n in range(DEVICES)
    )
    RegistrationToken.objects.bulk_create(
        RegistrationToken(
            tenant=created[n % customers],
            family=tenants["demo-msp"].pk,
            user=owner,
            created_by=owner,
            expires_at=now + timezone.timedelta(days=1),
            digest=values.digest(values.normalize(values.generate())),
            prefix="AB",
        )
        for n in range(DEVICES)
    )
    # Monitoring > Usage's counters: the DEVICES registrations, over the last 30 days.
    rows: dict = {}
    for n in range(DEVICES):
        key = (created[n % customers].pk, usage.today_utc() - timezone.timedelta(days=n % 30))
        rows[key] = rows.get(key, 0) + 1
    UsageDay.objects.bulk_create(
        UsageDay(tenant_id=tenant, family=tenants["demo-msp"].pk, day=day, registrations=count)
        for (tenant, day), count in rows.items()
    )


def _plan_as_at_scale() -> None:
    """With a few dozen rows PostgreSQL scans whole tables, whatever the indexes; at 1,000
    customers it would not. Plans made without sequential scans (where an index can serve)
    show what each page reads at scale. SET LOCAL: only for the test's transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")


def _rows_read() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)), 0)"
            " FROM pg_stat_xact_user_tables"
        )
        return int(cursor.fetchone()[0])


def cost(client, url):
    """(statements, bytes of SQL, rows read) of one request, after one like it."""
    _plan_as_at_scale()
    assert client.get(url).status_code == 200
    before = _rows_read()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    rows = _rows_read() - before - 1  # the _rows_read query reads one row of its own
    statements = [q["sql"] for q in queries.captured_queries]
    return len(statements), sum(len(s) for s in statements), rows


def test_fixture_spreads_the_same_devices_over_the_customers(tenants, users):
    spread_over(30, tenants, users)
    assert DeviceEntry.objects.filter(tenant__slug__startswith="scale-").count() == DEVICES
    assert Tenant.objects.filter(slug__startswith="scale-").count() == 30


@pytest.mark.parametrize("url", PAGES + API)
def test_all_customers_pages_cost_the_same_at_1_and_30_customers(tenants, users, url, settings):
    # Pages shorter than the number of customers, so a page's own rows are the same count.
    settings.CONSOLE_PAGE_SIZE = settings.MANAGEMENT_PAGE_SIZE = 2

    def measure(customers):
        client = login_msp_admin(users)
        spread_over(customers, tenants, users)
        try:
            return cost(client, url)
        finally:
            Tenant.objects.filter(slug__startswith="scale-").delete()

    one, thirty = measure(1), measure(30)
    assert thirty[0] == one[0], f"statements: {one[0]} -> {thirty[0]}"
    # Ids and names in the SQL may be a few characters longer; the SQL does not grow.
    assert thirty[1] <= one[1] + 200, f"SQL bytes: {one[1]} -> {thirty[1]}"
    assert thirty[2] <= one[2] + 40, f"rows read: {one[2]} -> {thirty[2]}"


def login_msp_admin(users):
    client = APIClient()  # a session, for the pages and the API alike
    client.force_login(users["msp-admin"])
    return client


def test_registration_costs_the_same_at_1_and_30_customers(tenants, users):
    def measure(customers):
        spread_over(customers, tenants, users)
        _, value = make_token(tenants["globex"], users["globex-alice"])
        register(value, machine=f"warm-{next(_serial)}")
        _plan_as_at_scale()
        before = _rows_read()
        with CaptureQueriesContext(connection) as queries:
            register(value, machine=f"m-{next(_serial)}")
        rows = _rows_read() - before - 1
        Tenant.objects.filter(slug__startswith="scale-").delete()
        sql = [q["sql"] for q in queries.captured_queries]
        return len(sql), sum(len(s) for s in sql), rows

    one, thirty = measure(1), measure(30)
    assert one[0] == thirty[0] == 1  # a token the process has seen: one statement
    assert thirty[1] <= one[1] + 100
    assert thirty[2] <= one[2] + 10


def test_a_failed_registration_costs_the_same_after_1_and_60_failures(tenants, users, settings):
    """The failure audit is one upsert on a unique key: earlier failures (other addresses,
    other minutes' rows) change neither the statements nor the rows read."""
    settings.AGENT_TOKEN_FAILURE_LIMIT = 1000
    token, value = make_token(tenants["globex"], users["globex-alice"])
    RegistrationToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())

    def measure():
        register(value, address="10.3.0.1")
        _plan_as_at_scale()
        before = _rows_read()
        with CaptureQueriesContext(connection) as queries:
            assert register(value, address="10.3.0.1").status_code == 401
        return len(queries.captured_queries), _rows_read() - before - 1

    one = measure()
    for n in range(60):
        register(value, address=f"10.3.1.{n}")
    sixty = measure()
    # the lookup, the lookup by digest, the audit upsert and the usage counter's upsert
    assert one[0] == sixty[0] == 4
    assert sixty[1] <= one[1] + 2, f"rows read: {one[1]} -> {sixty[1]}"
