"""The Management portal: customers, users, Monitoring > Usage (Protection tab), audit log."""

import re

import pytest
from django.urls import reverse

from agents.services import plans as plan_services
from tenants.audit import CLI
from tenants.models import AuditEvent, Tenant, User
from tenants.services import MSG_CUSTOMER_NAME_TAKEN
from tests.factories import make_device


def url(name, slug):
    return reverse(name, kwargs={"tenant_id": slug})


def test_partner_creates_a_customer_that_is_usable_at_once(login, tenants, users):
    client = login("msp-admin")
    response = client.post(url("customer-create", "demo-msp"), {"name": "Hooli"})
    assert response.status_code == 302
    hooli = Tenant.objects.get(name="Hooli")
    assert hooli.parent == tenants["demo-msp"] and hooli.kind == "customer"
    # The new customer appears in the selector and its console and schema work.
    assert client.get(url("devices", hooli.slug)).status_code == 200
    plan_services.plan_create(
        actor=users["msp-admin"], tenant=hooli, data={"name": "Fresh"}, origin=CLI
    )
    assert "Fresh" in client.get(url("plans", hooli.slug)).content.decode()
    assert AuditEvent.objects.filter(action="tenant.create", tenant=hooli, source="ui").exists()


def test_duplicate_customer_name_is_reported(login):
    response = login("msp-admin").post(url("customer-create", "demo-msp"), {"name": "globex"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [MSG_CUSTOMER_NAME_TAKEN]


@pytest.mark.parametrize("username", ["globex-admin", "globex-auditor"])
def test_only_partner_administrators_create_customers(login, username):
    response = login(username).post(url("customer-create", "globex"), {"name": "Nope"})
    assert response.status_code == 403
    assert not Tenant.objects.filter(name="Nope").exists()


def test_partner_cannot_create_a_customer_under_another_partner(login):
    response = login("msp-admin").post(url("customer-create", "other-msp"), {"name": "Nope"})
    assert response.status_code == 404


def test_customer_list_shows_only_own_customers(login):
    html = login("msp-admin").get(url("customers", "demo-msp")).content.decode()
    assert "Globex" in html and "Initech" in html and "Umbrella" not in html


def test_plain_user_cannot_open_the_management_portal(login):
    for name in ("users", "usage", "audit", "customers"):
        assert login("globex-alice").get(url(name, "globex")).status_code == 403


def test_company_admin_creates_a_user_with_a_role(login, tenants):
    response = login("globex-admin").post(
        url("user-create", "globex"),
        {
            "tenant": "globex",
            "username": "globex-eve",
            "email": "eve@example.com",
            "password": "a-long-password",
            "role": "user",
        },
    )
    assert response.status_code == 302
    eve = User.objects.get(username="globex-eve")
    assert eve.tenant == tenants["globex"] and eve.role == "user"
    assert eve.check_password("a-long-password")
    assert AuditEvent.objects.filter(action="user.create", object_id=str(eve.pk)).exists()


def test_partner_admin_creates_a_user_in_one_of_its_customers(login, tenants):
    response = login("msp-admin").post(
        url("user-create", "demo-msp"),
        {
            "tenant": "initech",
            "username": "initech-dan",
            "password": "a-long-password",
            "role": "readonly_admin",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="initech-dan").tenant == tenants["initech"]


def test_company_admin_cannot_pick_another_tenant_or_a_partner_role(login):
    client = login("globex-admin")
    form = {"username": "x-user", "password": "a-long-password"}
    response = client.post(
        url("user-create", "globex"), {**form, "tenant": "initech", "role": "user"}
    )
    assert response.status_code == 200 and "tenant" in response.context["form"].errors
    response = client.post(
        url("user-create", "globex"), {**form, "tenant": "globex", "role": "partner_admin"}
    )
    assert response.status_code == 200 and "role" in response.context["form"].errors
    assert not User.objects.filter(username="x-user").exists()


def test_read_only_admin_sees_users_but_cannot_add(login):
    client = login("globex-auditor")
    html = client.get(url("users", "globex")).content.decode()
    assert "globex-alice" in html and "initech-carol" not in html
    assert "New user" not in html
    response = client.post(
        url("user-create", "globex"),
        {"tenant": "globex", "username": "sneaky", "password": "a-long-password", "role": "user"},
    )
    assert response.status_code == 403


def test_usage_protection_tab_counts_devices_per_customer(login, tenants, users):
    make_device(tenants["globex"], users["globex-alice"], plans=["Daily backup"])
    make_device(tenants["globex"], users["globex-bob"])
    make_device(tenants["initech"], users["initech-carol"])
    response = login("msp-admin").get(url("usage", "demo-msp"))
    rows = {r["customer"].slug: (r["devices"], r["protected"]) for r in response.context["rows"]}
    assert rows == {"globex": (2, 1), "initech": (1, 0)}
    html = response.content.decode()
    assert "Protection" in html and "Monitoring" in html and "Usage" in html


@pytest.mark.parametrize("username,level", [("msp-admin", "demo-msp"), ("globex-admin", "globex")])
def test_manage_service_opens_the_console_at_that_level(login, username, level):
    response = login(username).get(url("usage", level))
    html = response.content.decode()
    # A link to the console's page itself: no GET form, so no dangling "?" (issue 20).
    manage = re.search(r'<a [^>]*role="button" href="([^"]+)"[^>]*>Manage service</a>', html)
    assert manage and manage.group(1) == url("devices", level)
    assert "?" not in manage.group(1)
    assert login(username).get(url("devices", level)).status_code == 200


def test_audit_log_shows_events_of_the_scope_only(login, tenants, users):
    login("globex-admin").post(
        url("plan-create", "globex"),
        {
            "name": "Audited",
            "what_to_back_up": "files",
            "schedule": "daily",
            "start_time": "01:00",
            "retention_days": "7",
        },
    )
    login("initech-admin").post(
        url("plan-create", "initech"),
        {
            "name": "Elsewhere",
            "what_to_back_up": "files",
            "schedule": "daily",
            "start_time": "01:00",
            "retention_days": "7",
        },
    )
    globex_events = login("globex-admin").get(url("audit", "globex")).context["page"].object_list
    assert [e.object_repr for e in globex_events] == ["Audited"]
    partner_events = login("msp-admin").get(url("audit", "demo-msp")).context["page"].object_list
    assert {e.object_repr for e in partner_events} == {"Audited", "Elsewhere"}
    assert login("other-admin").get(url("audit", "globex")).status_code == 404


def test_usage_counts_active_tokens_per_customer(login, tenants, users):
    from tests.factories import make_token

    make_token(tenants["globex"], users["globex-alice"])
    make_token(tenants["globex"], users["globex-bob"])
    deleted, _ = make_token(tenants["initech"], users["initech-carol"])
    deleted.deleted_at = deleted.created_at
    deleted.save()
    rows = login("msp-admin").get(url("usage", "demo-msp")).context["rows"]
    assert {r["customer"].slug: r["active_tokens"] for r in rows} == {"globex": 2, "initech": 0}


def test_audit_log_shows_token_events_with_initiator_and_on_behalf_of(login, tenants, users):
    from tests.factories import make_token

    token, value = make_token(tenants["globex"], users["globex-bob"], actor=users["msp-admin"])
    html = login("globex-admin").get(url("audit", "globex")).content.decode()
    # The token as every list names it (issue 20: the full mask wrapped over seven lines).
    assert "token.create" in html and f">{token.prefix}••<" in html and token.masked not in html
    assert "msp-admin" in html and "globex-bob" in html
    assert value not in html


def test_audit_log_filters_by_action_with_readable_labels(login, tenants, users):
    from tests.factories import make_token

    make_token(tenants["globex"], users["globex-bob"], actor=users["globex-admin"])
    client = login("globex-admin")
    plan_services.plan_create(
        actor=users["globex-admin"], tenant=tenants["globex"], data={"name": "Filtered"}, origin=CLI
    )
    response = client.get(url("audit", "globex"), {"action": "token.create"})
    actions = {e.action for e in response.context["page"].object_list}
    assert actions == {"token.create"}
    assert "Registration token generated" in response.content.decode()
    unfiltered = client.get(url("audit", "globex"), {"action": "no-such-action"})
    assert {"token.create", "plan.create"} <= {
        e.action for e in unfiltered.context["page"].object_list
    }


def test_customers_page_without_counting_them(login, tenants, settings):
    from tests.factories import make_bare_customers

    settings.MANAGEMENT_PAGE_SIZE = 2
    make_bare_customers(tenants["demo-msp"], "Extra", 3)
    client = login("msp-admin")
    first = client.get(url("customers", "demo-msp"))
    html = first.content.decode()
    assert "Page 1" in html and "Page 1 of" not in html and "page=2" in html
    names = [c.name for c in first.context["customers"]]
    last = client.get(url("customers", "demo-msp"), {"page": 3}).context["customers"]
    assert len(names) == 2 and [c.name for c in last] == ["Initech"]
