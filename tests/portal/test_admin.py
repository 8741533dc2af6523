"""The Django admin reproduces "partner selects customer" with the console's rules."""

import pytest
from django.urls import reverse
from django_tenants.utils import tenant_context

from agents.models import ProtectionPlan
from agents.services.plans import MSG_PLAN_NAME_TAKEN
from tenants.models import AuditEvent, Tenant, User
from tests.factories import make_device

PLAN_FORM = {
    "name": "From admin",
    "what_to_back_up": "disks",
    "schedule": "monthly",
    "start_time": "03:00",
    "retention_days": "365",
    "encryption": "on",
}


# The demo tree of issue 23 (portal/management/commands/seed_demo.py, DEMO_TREE).
DEMO_TREE_NAMES = [
    "Contoso",
    "Contoso Labs",
    "Contoso Sales",
    "Demo Distributor",
    "Direct customers",
    "Fabrikam",
    "Litware",
    "Northwind Resellers",
    "Southridge Resellers",
    "Tailspin",
]


def select(client, slug):
    return client.post(reverse("admin:select_scope"), {"tenant": slug, "next": "/admin/"})


def changelist(client, model):
    return client.get(reverse(f"admin:{model}_changelist"))


def listed(response):
    return [str(obj) for obj in response.context["cl"].result_list]


@pytest.mark.parametrize("username", ["globex-alice", "umbrella-dave"])
def test_plain_users_cannot_use_the_admin(login, username):
    response = login(username).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_partner_admin_sees_only_its_own_customers(login):
    client = login("msp-admin")
    assert listed(changelist(client, "tenants_tenant")) == ["Demo MSP", "Globex", "Initech"]
    html = client.get("/admin/").content.decode()
    assert "All customers" in html and "Umbrella" not in html


def test_partner_admin_selects_a_customer_and_manages_its_users_and_plans(login):
    client = login("msp-admin")
    assert select(client, "globex").status_code == 302
    users = listed(changelist(client, "tenants_user"))
    assert users == ["globex-admin", "globex-alice", "globex-auditor", "globex-bob"]
    assert listed(changelist(client, "agents_protectionplan")) == [
        "Daily backup",
        "Weekly full image",
    ]
    select(client, "initech")
    assert listed(changelist(client, "agents_protectionplan")) == ["Servers nightly"]


def test_all_customers_level_lists_users_of_every_customer_but_no_plans(login):
    client = login("msp-admin")
    select(client, "demo-msp")
    users = listed(changelist(client, "tenants_user"))
    assert "globex-alice" in users and "initech-carol" in users and "msp-admin" in users
    assert "umbrella-dave" not in users
    response = changelist(client, "agents_protectionplan")
    assert listed(response) == []
    assert "Select a customer" in response.content.decode()
    assert client.get(reverse("admin:agents_protectionplan_add")).status_code == 403


def test_selecting_another_partners_customer_answers_404(login):
    client = login("msp-admin")
    assert select(client, "umbrella").status_code == 404
    assert select(client, "other-msp").status_code == 404


def test_company_admin_is_pinned_to_its_own_tenant(login):
    client = login("globex-admin")
    assert listed(changelist(client, "tenants_tenant")) == ["Globex"]
    assert select(client, "initech").status_code == 404
    assert listed(changelist(client, "agents_protectionplan")) == [
        "Daily backup",
        "Weekly full image",
    ]


def test_another_customers_user_answers_404_in_the_admin(login, users):
    client = login("globex-admin")
    carol = users["initech-carol"]
    response = client.get(reverse("admin:tenants_user_change", args=[carol.pk]))
    # Django's admin redirects a missing object to the index with a message.
    assert response.status_code in (302, 404)
    assert (
        "initech-carol" not in client.get(reverse("admin:tenants_user_changelist")).content.decode()
    )


def test_plan_added_in_the_admin_goes_through_the_service(login, tenants):
    client = login("msp-admin")
    select(client, "globex")
    response = client.post(reverse("admin:agents_protectionplan_add"), PLAN_FORM)
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(tenants["globex"]):
        plan = ProtectionPlan.objects.get(name="From admin")
    with tenant_context(tenants["initech"]):
        assert not ProtectionPlan.objects.filter(name="From admin").exists()
    event = AuditEvent.objects.get(action="plan.create", object_id=str(plan.pk))
    assert event.source == "admin" and event.tenant == tenants["globex"]


def test_duplicate_plan_name_is_a_form_error_in_the_admin(login):
    client = login("globex-admin")
    response = client.post(
        reverse("admin:agents_protectionplan_add"), {**PLAN_FORM, "name": "daily backup"}
    )
    assert response.status_code == 200
    assert MSG_PLAN_NAME_TAKEN in response.content.decode()


def test_read_only_admin_views_but_cannot_change_in_the_admin(login, tenants):
    client = login("globex-auditor")
    assert listed(changelist(client, "agents_protectionplan")) == [
        "Daily backup",
        "Weekly full image",
    ]
    assert client.get(reverse("admin:agents_protectionplan_add")).status_code == 403
    assert client.post(reverse("admin:agents_protectionplan_add"), PLAN_FORM).status_code == 403
    assert client.get(reverse("admin:tenants_user_add")).status_code == 403
    with tenant_context(tenants["globex"]):
        pk = ProtectionPlan.objects.get(name="Daily backup").pk
    response = client.post(
        reverse("admin:agents_protectionplan_delete", args=[pk]), {"post": "yes"}
    )
    assert response.status_code == 403


def test_user_added_in_the_admin_goes_through_the_service(login, tenants):
    client = login("msp-admin")
    select(client, "initech")
    response = client.post(
        reverse("admin:tenants_user_add"),
        {
            "username": "initech-zed",
            "password": "long-enough-pw",
            "tenant": tenants["initech"].pk,
            "role": "user",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.get(username="initech-zed").tenant == tenants["initech"]
    assert AuditEvent.objects.filter(action="user.create", source="admin").exists()


def test_admin_user_form_refuses_a_partner_role_in_a_customer(login, tenants):
    client = login("msp-admin")
    select(client, "initech")
    response = client.post(
        reverse("admin:tenants_user_add"),
        {
            "username": "bad",
            "password": "long-enough-pw",
            "tenant": tenants["initech"].pk,
            "role": "partner_admin",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="bad").exists()


def test_partner_admin_adds_a_customer_in_the_admin(login, tenants):
    client = login("msp-admin")
    select(client, "demo-msp")
    response = client.post(reverse("admin:tenants_tenant_add"), {"name": "Admin Corp"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert tenants["demo-msp"].customers.filter(name="Admin Corp").exists()


def test_admin_devices_follow_the_selected_customer(login, tenants, users):
    make_device(tenants["globex"], users["globex-alice"], hostname="alice-laptop")
    make_device(tenants["initech"], users["initech-carol"], hostname="carol-server")
    client = login("msp-admin")
    select(client, "globex")
    assert listed(changelist(client, "agents_device")) == ["alice-laptop"]


def test_superuser_sees_everything(login):
    client = login("platform-admin")
    tenants = listed(changelist(client, "tenants_tenant"))
    assert tenants == sorted(
        [
            "Demo MSP",
            "Globex",
            "Initech",
            "Other MSP",
            "Umbrella",
            *DEMO_TREE_NAMES,
        ]
    )
    select(client, "umbrella")
    assert listed(changelist(client, "tenants_user")) == ["umbrella-dave"]


def test_scoped_model_admin_refuses_a_get_queryset_override():
    from tenants.admin_base import ScopedModelAdmin

    with pytest.raises(TypeError):

        class Careless(ScopedModelAdmin):
            def get_queryset(self, request):
                return None


def test_admin_index_offers_tenant_models_once_a_tenant_is_selected(login):
    client = login("msp-admin")
    select(client, "globex")
    html = client.get("/admin/").content.decode()
    assert reverse("admin:agents_protectionplan_changelist") in html
    assert "Not available for global schema" not in html


def test_partner_renames_a_customer_in_the_admin_from_all_customers(login, tenants):
    client = login("msp-admin")
    client.post(reverse("admin:select_scope"), {"tenant": "demo-msp", "next": "/admin/"})
    url = reverse("admin:tenants_tenant_change", args=[tenants["globex"].pk])
    response = client.post(url, {"name": "Globex Corporation"})
    assert response.status_code == 302
    assert Tenant.objects.get(slug="globex").name == "Globex Corporation"
    event = AuditEvent.objects.get(action="tenant.rename")
    assert event.details == {"from": "Globex", "to": "Globex Corporation"}


def test_company_admin_cannot_rename_its_tenant(login, tenants):
    client = login("globex-admin")
    url = reverse("admin:tenants_tenant_change", args=[tenants["globex"].pk])
    client.post(url, {"name": "Renamed"})
    assert Tenant.objects.get(slug="globex").name == "Globex"


def test_user_edits_in_the_admin_are_audited(login, users):
    client = login("globex-admin")
    alice = users["globex-alice"]
    url = reverse("admin:tenants_user_change", args=[alice.pk])
    response = client.post(
        url, {"email": "alice@globex.example", "first_name": "", "last_name": ""}
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.email, alice.is_active) == ("alice@globex.example", False)
    event = AuditEvent.objects.get(action="user.update")
    assert event.details == {"fields": ["email", "is_active"]}


def test_the_admin_scope_list_is_bounded_and_searchable(login, tenants):
    from portal.admin_site import SCOPE_LIMIT
    from tests.factories import make_bare_customers

    make_bare_customers(tenants["demo-msp"], "Many", SCOPE_LIMIT + 5)
    client = login("msp-admin")
    page = client.get(reverse("admin:index"))
    assert len(page.context["scope_choices"]) == SCOPE_LIMIT + 1  # with All customers
    assert page.context["scope_more"] and 'name="search"' in page.content.decode()
    client.post(reverse("admin:select_scope"), {"search": "many 054", "next": "/admin/"})
    found = client.get(reverse("admin:index")).context["scope_choices"]
    assert [t.name for t in found] == ["Demo MSP", "Many 054"]
    # Selecting still works, and a customer of another partner is still out of reach.
    client.post(reverse("admin:select_scope"), {"tenant": "many-54", "next": "/admin/"})
    assert client.get(reverse("admin:index")).context["scope_current"].slug == "many-54"
    response = client.post(reverse("admin:select_scope"), {"tenant": "umbrella"})
    assert response.status_code == 404
