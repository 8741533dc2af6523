"""Protection plans in the console: list, create, edit, delete, per role."""

import pytest
from django.urls import reverse
from django_tenants.utils import tenant_context

from agents.models import ProtectionPlan
from agents.services import plans as plan_services
from agents.services.plans import MSG_PLAN_NAME_TAKEN, MSG_PLANS_NEED_CUSTOMER
from tenants.audit import CLI
from tenants.models import AuditEvent
from tests.factories import make_device

FORM = {
    "name": "Laptops",
    "what_to_back_up": "files",
    "schedule": "weekly",
    "start_time": "21:30",
    "retention_days": "60",
    "encryption": "on",
}


def url(name, slug, **kwargs):
    return reverse(name, kwargs={"tenant_id": slug, **kwargs})


def plan_id(tenant, name):
    with tenant_context(tenant):
        return ProtectionPlan.objects.get(name=name).pk


@pytest.mark.parametrize(
    "username", ["globex-admin", "globex-auditor", "globex-alice", "msp-admin"]
)
def test_plan_list_shows_the_customers_plans(login, username):
    html = login(username).get(url("plans", "globex")).content.decode()
    assert "Daily backup" in html and "Weekly full image" in html
    assert "Servers nightly" not in html


def test_all_customers_plan_list_shows_every_customer_without_create(login):
    response = login("msp-admin").get(url("plans", "demo-msp"))
    html = response.content.decode()
    assert {"Daily backup", "Weekly full image", "Servers nightly"} <= {
        p.name for p in response.context["page"].object_list
    }
    assert "Create plan" not in html
    assert MSG_PLANS_NEED_CUSTOMER in html


def test_company_admin_creates_a_plan(login, tenants):
    response = login("globex-admin").post(url("plan-create", "globex"), FORM)
    assert response.status_code == 302
    with tenant_context(tenants["globex"]):
        plan = ProtectionPlan.objects.get(name="Laptops")
    assert plan.schedule == "weekly" and plan.retention_days == 60
    event = AuditEvent.objects.get(action="plan.create", object_id=str(plan.pk))
    assert event.source == "ui" and event.ip_address == "127.0.0.1"


def test_duplicate_name_is_reported_on_the_form(login):
    response = login("globex-admin").post(
        url("plan-create", "globex"), {**FORM, "name": "Daily Backup"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [MSG_PLAN_NAME_TAKEN]


def test_partner_admin_edits_a_customer_plan(login, tenants):
    pk = plan_id(tenants["initech"], "Servers nightly")
    response = login("msp-admin").post(
        url("plan-edit", "initech", plan_id=pk), {**FORM, "name": "Servers nightly"}
    )
    assert response.status_code == 302
    with tenant_context(tenants["initech"]):
        assert ProtectionPlan.objects.get(pk=pk).schedule == "weekly"


def test_company_admin_deletes_a_plan_after_confirming(login, tenants):
    pk = plan_id(tenants["globex"], "Weekly full image")
    client = login("globex-admin")
    confirm = client.get(url("plan-delete", "globex", plan_id=pk))
    assert "Weekly full image" in confirm.content.decode()
    with tenant_context(tenants["globex"]):
        assert ProtectionPlan.objects.filter(pk=pk).exists()
    assert client.post(url("plan-delete", "globex", plan_id=pk)).status_code == 302
    with tenant_context(tenants["globex"]):
        assert not ProtectionPlan.objects.filter(pk=pk).exists()


@pytest.mark.parametrize("username", ["globex-auditor", "globex-alice"])
def test_read_only_admin_and_user_see_plans_but_cannot_change_them(login, tenants, username):
    client = login(username)
    pk = plan_id(tenants["globex"], "Daily backup")
    assert "Create plan" not in client.get(url("plans", "globex")).content.decode()
    assert client.get(url("plan-create", "globex")).status_code == 403
    assert client.post(url("plan-create", "globex"), FORM).status_code == 403
    assert client.post(url("plan-edit", "globex", plan_id=pk), FORM).status_code == 403
    assert client.post(url("plan-delete", "globex", plan_id=pk)).status_code == 403
    with tenant_context(tenants["globex"]):
        assert ProtectionPlan.objects.filter(pk=pk, name="Daily backup").exists()
        assert not ProtectionPlan.objects.filter(name="Laptops").exists()


def test_another_customers_plan_answers_404(login, tenants):
    initech_plan = plan_id(tenants["initech"], "Servers nightly")
    client = login("globex-admin")
    # Through another tenant's URL ...
    assert client.get(url("plan-edit", "initech", plan_id=initech_plan)).status_code == 404
    # ... and through the admin's own tenant URL with a foreign id.
    globex_ids = set()
    with tenant_context(tenants["globex"]):
        globex_ids = set(ProtectionPlan.objects.values_list("pk", flat=True))
    foreign = max(globex_ids) + 1000
    assert client.get(url("plan-edit", "globex", plan_id=foreign)).status_code == 404
    assert client.post(url("plan-delete", "globex", plan_id=foreign)).status_code == 404


def test_create_at_all_customers_is_refused_with_a_message(login):
    client = login("msp-admin")
    response = client.get(url("plan-create", "demo-msp"), follow=True)
    assert MSG_PLANS_NEED_CUSTOMER in response.content.decode()
    response = client.post(url("plan-create", "demo-msp"), FORM)
    assert MSG_PLANS_NEED_CUSTOMER in response.content.decode()


@pytest.mark.parametrize(
    ("username", "slug"), [("globex-admin", "globex"), ("msp-admin", "demo-msp")]
)
def test_plan_list_query_count_is_pinned_at_each_level(
    login, tenants, users, django_assert_num_queries, username, slug
):
    """Device counts come with the rows: more plans and devices add no query."""
    client = login(username)
    # session, user (with its tenant), count, rows (of the plan directory, device counts
    # included), and at a partner the selector's customers and the rows' paths below it
    # (the where column, one query a page); no SET search_path, no lookup
    expected = 4 if slug == "globex" else 6
    client.get(url("plans", slug))  # each measured request follows one like it
    with django_assert_num_queries(expected):
        client.get(url("plans", slug))
    for n in range(3):
        plan = plan_services.plan_create(
            actor=users["globex-admin"],
            tenant=tenants["globex"],
            data={"name": f"P{n}"},
            origin=CLI,
        )
        make_device(tenants["globex"], users["globex-alice"], plans=[plan.name])
    client.get(url("plans", slug))
    with django_assert_num_queries(expected):
        html = client.get(url("plans", slug)).content.decode()
    assert "P2" in html and "Entire machine" in html and "entire_machine" not in html
