"""Monitoring > Usage's per-level rollups (tokens.UsageRollup): every level's daily totals
equal the sum of its subtree's counters, however they were written (registrations, failed
token uses, rows inserted directly), and still do after a move; the page reads one level's
rows, not its subtree's."""

import datetime

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from tenants import tree
from tenants.audit import CLI
from tenants.models import Tenant
from tests.agents.helpers import register
from tests.factories import make_token
from tokens import usage
from tokens.models import UsageDay, UsageRollup

pytestmark = pytest.mark.django_db

TODAY = usage.today_utc()


def subtree_sums(level: Tenant) -> dict[datetime.date, tuple[int, int]]:
    """What a level's rollups must hold: its subtree's counters summed, read the long way."""
    below = Tenant.objects.filter(lineage__contains=[level.pk]).values("pk")
    rows = UsageDay.objects.filter(tenant__in=below).values("day")
    sums = rows.annotate(r=Sum("registrations"), f=Sum("failures"))
    return {row["day"]: (row["r"], row["f"]) for row in sums if row["r"] or row["f"]}


def rolled_up(level: Tenant) -> dict[datetime.date, tuple[int, int]]:
    rows = UsageRollup.objects.filter(level=level)
    return {
        day: (r, f) for day, r, f in rows.values_list("day", "registrations", "failures") if r or f
    }


def assert_every_level_is_its_subtree():
    for level in Tenant.objects.all():
        assert rolled_up(level) == subtree_sums(level), level.slug


def fill(tenants, users):
    """Counters at every depth of the demo distributor's tree, and beside it."""
    for slug, user, machines in (
        ("contoso-sales", "contoso-sales-grace", 3),
        ("contoso", "contoso-frank", 2),
        ("tailspin", "tailspin-ivan", 1),
        ("globex", "globex-alice", 1),
    ):
        _token, value = make_token(tenants[slug], users[user])
        for n in range(machines):
            assert register(value, machine=f"{slug}-{n}").status_code == 201
    usage.count_failure(tenants["contoso-labs"])
    usage.count_failure(tenants["contoso-sales"])
    for n, slug in enumerate(("contoso-labs", "litware", "fabrikam"), start=1):
        day = TODAY - datetime.timedelta(days=n)
        tenant = tenants[slug]
        UsageDay.objects.create(
            tenant=tenant, family=tenant.family, day=day, registrations=n, failures=1
        )


def test_each_levels_totals_are_the_sum_of_its_subtree(tenants, users):
    fill(tenants, users)
    assert_every_level_is_its_subtree()
    top = usage.usage_by_day(tenants["demo-distributor"], days=1)[0]
    assert (top.registrations, top.failures) == (6, 2)  # 3 + 2 + 1 and two failures
    sales = usage.usage_by_day(tenants["contoso-sales"], days=1)[0]
    assert (sales.registrations, sales.failures) == (3, 1)
    assert usage.usage_by_day(tenants["demo-msp"], days=1)[0].registrations == 1


def test_a_change_or_removal_of_a_tenants_day_changes_every_level_above(tenants, users):
    fill(tenants, users)
    row = UsageDay.objects.get(tenant=tenants["litware"], day=TODAY - datetime.timedelta(days=2))
    row.registrations = 7
    row.save()
    assert_every_level_is_its_subtree()
    row.delete()
    assert_every_level_is_its_subtree()
    assert not rolled_up(tenants["litware"])


@pytest.mark.parametrize(
    ("moved", "to"),
    [
        ("contoso", "southridge"),  # a customer with its units, to another reseller
        ("contoso-sales", "contoso-labs"),  # a unit below its sibling
        ("northwind", "direct-customers"),  # a reseller into a folder
        ("fabrikam", "demo-distributor"),  # up to the top
    ],
)
def test_after_a_move_old_and_new_ancestors_totals_are_right(tenants, users, moved, to):
    fill(tenants, users)
    tenant = Tenant.objects.select_related("parent").get(slug=moved)
    old_above = [Tenant.objects.get(pk=pk) for pk in tenant.lineage[:-1]]
    new_above = [Tenant.objects.get(pk=pk) for pk in tenants[to].lineage]
    before = {level.slug: rolled_up(level) for level in old_above + new_above}
    moving = rolled_up(tenant)
    assert moving, "the moved level has usage of its own to carry"
    tree.tenant_move(actor=users["distributor-admin"], tenant=tenant, to=tenants[to], origin=CLI)
    assert_every_level_is_its_subtree()
    left = [level for level in old_above if level not in new_above]
    joined = [level for level in new_above if level not in old_above]
    assert left or joined, "the move changes the levels above"
    for levels, sign in ((left, -1), (joined, 1)):
        for level in levels:  # what the moved level carries, gone from there, added here
            for day, (r, f) in moving.items():
                was = before[level.slug].get(day, (0, 0))
                now = rolled_up(level).get(day, (0, 0))
                assert now == (was[0] + sign * r, was[1] + sign * f), level.slug
    for level in (level for level in old_above if level in new_above):
        assert rolled_up(level) == before[level.slug], level.slug  # the top: unchanged
    assert rolled_up(tenant) == moving
    # And back: every level as it was.
    tree.tenant_move(
        actor=users["distributor-admin"],
        tenant=Tenant.objects.select_related("parent").get(pk=tenant.pk),
        to=Tenant.objects.get(pk=old_above[-1].pk),
        origin=CLI,
    )
    assert_every_level_is_its_subtree()
    assert {level.slug: rolled_up(level) for level in old_above + new_above} == before


def test_counters_written_after_a_move_roll_up_along_the_new_path(tenants, users):
    fill(tenants, users)
    tree.tenant_move(
        actor=users["distributor-admin"],
        tenant=Tenant.objects.select_related("parent").get(slug="contoso"),
        to=tenants["southridge"],
        origin=CLI,
    )
    sales = Tenant.objects.get(slug="contoso-sales")
    _token, value = make_token(sales, users["contoso-sales-grace"])
    assert register(value, machine="after-the-move").status_code == 201
    usage.count_failure(sales)
    assert_every_level_is_its_subtree()


def test_the_usage_of_any_level_is_one_read_of_its_own_rollup_rows(tenants, users):
    fill(tenants, users)
    for slug in ("demo-distributor", "northwind", "contoso", "litware"):
        with CaptureQueriesContext(connection) as queries:
            usage.usage_by_day(tenants[slug])
        [query] = queries.captured_queries
        assert "tokens_usagerollup" in query["sql"] and "tokens_usageday" not in query["sql"]
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {query['sql']}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "one_usage_rollup_per_day" in plan, plan
