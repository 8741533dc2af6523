"""Monitoring > Usage's counters (tokens/usage.py): maintained by the registration statement
and the failure path, read by the Usage page in one indexed query."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.agents.helpers import register, unknown_but_well_formed
from tests.factories import make_token
from tokens import usage
from tokens.models import UsageDay


def _usage_url(slug):
    return reverse("usage", kwargs={"tenant_id": slug})


def _today_of(tenant):
    row = UsageDay.objects.filter(tenant=tenant, day=usage.today_utc()).first()
    return (row.registrations, row.failures) if row else (0, 0)


@pytest.mark.django_db
def test_a_new_machine_counts_one_registration_today_and_a_reregistration_none(tenants, users):
    globex = tenants["globex"]
    _, value = make_token(globex, users["globex-alice"])
    assert register(value, machine="m-1").status_code == 201
    assert register(value, machine="m-2").status_code == 201
    assert register(value, machine="m-1").status_code == 200  # the same machine again
    assert _today_of(globex) == (2, 0)
    row = UsageDay.objects.get(tenant=globex)
    assert row.family == globex.family == tenants["demo-msp"].pk


@pytest.mark.django_db
def test_registration_with_its_usage_counter_adds_no_statement(tenants, users):
    """Two statements with a token the process has not seen (lookup, write), then one."""
    _, value = make_token(tenants["globex"], users["globex-alice"])
    with CaptureQueriesContext(connection) as queries:
        assert register(value, machine="warm").status_code == 201
    assert len(queries) == 2
    with CaptureQueriesContext(connection) as queries:
        assert register(value, machine="counted").status_code == 201
    assert len(queries) == 1
    assert _today_of(tenants["globex"]) == (2, 0)


@pytest.mark.django_db
def test_failed_uses_of_unknown_tokens_count_for_the_platform_only(tenants, users, login):
    def platform():
        # Threaded tests elsewhere commit failures of their own: compare with before.
        row = UsageDay.objects.filter(tenant__isnull=True, day=usage.today_utc()).first()
        return (row.family, row.failures) if row else (None, 0)

    _, before = platform()
    assert register(unknown_but_well_formed()).status_code == 401
    assert register("not-a-token").status_code == 400
    assert platform() == (None, before + 2)
    assert UsageDay.objects.filter(tenant__isnull=True, day=usage.today_utc()).count() == 1
    for username, slug in (("msp-admin", "demo-msp"), ("globex-admin", "globex")):
        days = login(username).get(_usage_url(slug)).context["usage"]["days"]
        assert sum(d.failures for d in days) == 0


@pytest.mark.django_db
def test_usage_page_charts_the_selected_level_per_day(tenants, users, login):
    globex, initech = tenants["globex"], tenants["initech"]
    _, value = make_token(globex, users["globex-alice"])
    for n in range(3):
        assert register(value, machine=f"g-{n}").status_code == 201
    _, value = make_token(initech, users["initech-carol"])
    assert register(value, machine="i-1").status_code == 201
    usage.count_failure(globex)  # a known token's failure (as the failure audit reports it)
    old = usage.today_utc() - datetime.timedelta(days=40)  # outside the 30 days
    UsageDay.objects.create(tenant=globex, family=globex.family, day=old, registrations=9)

    def figures(username, slug):
        response = login(username).get(_usage_url(slug))
        days = response.context["usage"]["days"]
        assert len(days) == 30 and days[-1].day == usage.today_utc()
        return (days[-1].registrations, days[-1].failures), response.content.decode()

    assert figures("globex-admin", "globex")[0] == (3, 1)
    assert figures("initech-admin", "initech")[0] == (1, 0)
    partner, html = figures("msp-admin", "demo-msp")
    assert partner == (4, 1)
    assert "Machines registered and failed token uses, last 30 days" in html
    assert '<svg class="usage-svg"' in html and 'role="img"' in html
    assert "<caption>Machines registered and failed token uses, last 30 days</caption>" in html
    assert "4 machines registered, 1 failed token use" in html
    assert " style=" not in html and "<script>" not in html
    assert figures("other-admin", "other-msp")[0] == (0, 0)


@pytest.mark.django_db
def test_usage_page_query_count_is_pinned(tenants, users, login, django_assert_num_queries):
    client = login("msp-admin")
    for slug in ("globex", "initech"):
        usage.count_failure(tenants[slug])
    client.get(_usage_url("demo-msp"))
    with CaptureQueriesContext(connection) as before:
        client.get(_usage_url("demo-msp"))
    for n in range(1, 20):  # more days and more customers' rows: the same queries
        day = usage.today_utc() - datetime.timedelta(days=n)
        UsageDay.objects.create(
            tenant=tenants["globex"], family=tenants["globex"].family, day=day, failures=n
        )
    with django_assert_num_queries(len(before)):
        client.get(_usage_url("demo-msp"))
    usage_reads = [q for q in before.captured_queries if "tokens_usage" in q["sql"]]
    assert len(usage_reads) == 1


@pytest.mark.django_db
def test_all_customers_reads_one_range_of_the_levels_rollups(tenants):
    with CaptureQueriesContext(connection) as queries:
        usage.usage_by_day(tenants["demo-msp"])
    [query] = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {query['sql']}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "one_usage_rollup_per_day" in plan, plan
    assert "Seq Scan" not in plan, plan


@pytest.mark.django_db
def test_a_known_tokens_failed_use_counts_at_its_customer(tenants, users):
    from tenants.audit import CLI
    from tokens import services

    token, value = make_token(tenants["globex"], users["globex-alice"])
    services.token_delete(actor=users["globex-alice"], token=token, origin=CLI)
    assert register(value).status_code == 401
    assert _today_of(tenants["globex"]) == (0, 1)
    assert _today_of(tenants["initech"]) == (0, 0)
