import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import tenant_context

from agents.models import ProtectionPlan
from agents.services import plans as services
from tenants.audit import CLI
from tenants.models import AuditEvent

DATA = {
    "name": "Hourly files",
    "what_to_back_up": "files",
    "schedule": "daily",
    "start_time": datetime.time(2, 0),
    "retention_days": 14,
    "encryption": True,
}


@pytest.mark.parametrize("username", ["globex-admin", "msp-admin", "platform-admin"])
def test_administrators_create_plans_in_the_customer_schema(tenants, users, username):
    plan = services.plan_create(
        actor=users[username], tenant=tenants["globex"], data=DATA, origin=CLI
    )
    with tenant_context(tenants["globex"]):
        assert ProtectionPlan.objects.get(pk=plan.pk).retention_days == 14
    with tenant_context(tenants["initech"]):
        assert not ProtectionPlan.objects.filter(name="Hourly files").exists()
    event = AuditEvent.objects.get(action="plan.create", object_id=str(plan.pk))
    assert event.tenant == tenants["globex"] and event.actor == users[username]
    assert event.source == "cli"


@pytest.mark.parametrize("username", ["globex-auditor", "globex-alice"])
def test_read_only_admin_and_user_cannot_create_plans(tenants, users, username):
    with pytest.raises(PermissionDenied):
        services.plan_create(actor=users[username], tenant=tenants["globex"], data=DATA, origin=CLI)


@pytest.mark.parametrize("username,slug", [("globex-admin", "initech"), ("other-admin", "globex")])
def test_administrators_cannot_touch_plans_outside_their_scope(tenants, users, username, slug):
    with pytest.raises(PermissionDenied):
        services.plan_create(actor=users[username], tenant=tenants[slug], data=DATA, origin=CLI)


def test_plans_cannot_be_created_at_all_customers(tenants, users):
    with pytest.raises(ValidationError) as error:
        services.plan_create(
            actor=users["msp-admin"], tenant=tenants["demo-msp"], data=DATA, origin=CLI
        )
    assert services.MSG_PLANS_NEED_CUSTOMER in error.value.messages


def test_plan_names_are_unique_per_customer_case_insensitively(tenants, users):
    with pytest.raises(ValidationError) as error:
        services.plan_create(
            actor=users["globex-admin"],
            tenant=tenants["globex"],
            data={**DATA, "name": "daily BACKUP"},
            origin=CLI,
        )
    assert error.value.message_dict["name"] == [services.MSG_PLAN_NAME_TAKEN]
    # ... but another customer may use the same name.
    services.plan_create(
        actor=users["initech-admin"],
        tenant=tenants["initech"],
        data={**DATA, "name": "Daily backup"},
        origin=CLI,
    )


def test_invalid_settings_are_rejected(tenants, users):
    with pytest.raises(ValidationError) as error:
        services.plan_create(
            actor=users["globex-admin"],
            tenant=tenants["globex"],
            data={**DATA, "retention_days": 0, "schedule": "hourly"},
            origin=CLI,
        )
    assert set(error.value.message_dict) == {"retention_days", "schedule"}


def test_update_and_delete_are_audited(tenants, users):
    admin, globex = users["globex-admin"], tenants["globex"]
    with tenant_context(globex):
        plan = ProtectionPlan.objects.get(name="Daily backup")
    services.plan_update(
        actor=admin, tenant=globex, plan=plan, data={"retention_days": 90}, origin=CLI
    )
    with tenant_context(globex):
        assert ProtectionPlan.objects.get(pk=plan.pk).retention_days == 90
    services.plan_delete(actor=admin, tenant=globex, plan=plan, origin=CLI)
    with tenant_context(globex):
        assert not ProtectionPlan.objects.filter(pk=plan.pk).exists()
    actions = list(
        AuditEvent.objects.filter(object_id=str(plan.pk), tenant=globex).values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["plan.delete", "plan.update"]
