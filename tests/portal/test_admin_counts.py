"""Admin change lists count the way the portal's pages do (issue 19, item 12): at most
COUNT_BOUND + 1 rows of the selected level, never the unfiltered total besides, and a
count that stopped at the bound reads "N+"."""

import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from common import paging
from tenants.admin import AuditEventAdmin
from tenants.models import AuditEvent
from tests.factories import make_token
from tokens.admin import RegistrationTokenAdmin


def counts(queries) -> list[str]:
    return [q["sql"] for q in queries if "COUNT(*)" in q["sql"].upper()]


def changelist(client, name: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(f"admin:{name}_changelist"))
    assert response.status_code == 200, name
    return response, counts(queries.captured_queries)


@pytest.fixture
def partner_at_globex(login, tenants):
    client = login("msp-admin")
    client.post(reverse("admin:select_scope"), {"tenant": "globex", "next": "/admin/"})
    return client


def test_the_audit_list_counts_at_most_the_bound_and_says_there_are_more(
    partner_at_globex, tenants, monkeypatch
):
    globex = tenants["globex"]
    AuditEvent.objects.bulk_create(
        AuditEvent(
            tenant=globex,
            family=globex.family,
            actor_name="someone",
            action=AuditEvent.Action.PLAN_UPDATE,
            object_type="plan",
            source=AuditEvent.Source.CLI,
        )
        for _ in range(12)
    )
    monkeypatch.setattr(paging, "COUNT_BOUND", 5)
    monkeypatch.setattr(AuditEventAdmin, "list_per_page", 2)
    response, sql = changelist(partner_at_globex, "tenants_auditevent")
    # One count, of at most bound + 1 rows; not the list's total and not the level's.
    assert len(sql) == 1 and re.search(r"\bLIMIT 6\b", sql[0]), sql
    cl = response.context["cl"]
    assert (cl.result_count, cl.paginator.capped, len(cl.result_list)) == (5, True, 2)
    paragraph = re.search(r'<p class="paginator">(.*?)</p>', response.content.decode(), re.S)
    assert "5+ audit events" in " ".join(paragraph.group(1).split())
    assert re.findall(r'href="\?p=(\d)"', paragraph.group(1)) == ["2", "3"]
    # The pages up to the bound are reachable.
    page = partner_at_globex.get(reverse("admin:tenants_auditevent_changelist") + "?p=3")
    assert page.status_code == 200 and len(page.context["cl"].result_list) == 1


def test_a_capped_list_offers_no_select_all_across_its_pages(
    partner_at_globex, tenants, users, monkeypatch
):
    """ "Select all N" would understate what the action then touches: a capped list's actions
    apply to the rows ticked on its page."""
    for _ in range(4):
        make_token(tenants["globex"], users["globex-alice"], actor=users["globex-admin"])
    monkeypatch.setattr(RegistrationTokenAdmin, "list_per_page", 1)
    url = reverse("admin:tokens_registrationtoken_changelist")
    counted = partner_at_globex.get(url).content.decode()
    monkeypatch.setattr(paging, "COUNT_BOUND", 2)
    capped = partner_at_globex.get(url)
    assert capped.context["cl"].paginator.capped
    html = capped.content.decode()
    assert 'class="question hidden"' in counted and 'class="question hidden"' not in html
    assert 'class="action-counter"' in html and 'name="action"' in html


@pytest.mark.parametrize(
    "name", sorted(f"{m._meta.app_label}_{m._meta.model_name}" for m in admin.site._registry)
)
def test_no_admin_list_counts_without_a_bound(partner_at_globex, name):
    response, sql = changelist(partner_at_globex, name)
    assert sql and all(re.search(r"\bLIMIT 10001\b", q) for q in sql), sql
    assert not response.context["cl"].paginator.capped
