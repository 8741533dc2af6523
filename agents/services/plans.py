"""Every write to protection plans. Console and admin call these.

Each service takes the customer tenant explicitly and runs in its schema, in one transaction
with its audit event (public schema, same database).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.utils import tenant_context

from tenants import audit
from tenants.audit import Origin
from tenants.authorization import authorize
from tenants.models import AuditEvent, Tenant, User
from tenants.permissions import Action
from tokens.plans import PlanRef
from tokens.services import tokens_follow_plan

from ..directory import services as directory
from ..models import ProtectionPlan

MSG_PLANS_NEED_CUSTOMER = gettext_noop("Select a customer to manage its protection plans.")
MSG_PLAN_NAME_TAKEN = gettext_noop("A protection plan with this name already exists.")

PLAN_FIELDS = ("name", "what_to_back_up", "schedule", "start_time", "retention_days", "encryption")


def _check(actor: User, tenant: Tenant) -> None:
    authorize(actor, Action.MANAGE_PLANS, tenant=tenant)
    if not tenant.is_customer:
        raise ValidationError(_(MSG_PLANS_NEED_CUSTOMER))


def _apply(tenant: Tenant, plan: ProtectionPlan, data: dict) -> None:
    unknown = set(data) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"Unknown plan fields: {sorted(unknown)}")
    for field, value in data.items():
        setattr(plan, field, value)
    if ProtectionPlan.objects.filter(name__iexact=plan.name).exclude(pk=plan.pk).exists():
        raise ValidationError({"name": _(MSG_PLAN_NAME_TAKEN)})
    plan.full_clean()
    plan.save()
    directory.plan_entry_save(tenant, plan)


def plan_create(*, actor: User, tenant: Tenant, data: dict, origin: Origin) -> ProtectionPlan:
    _check(actor, tenant)
    with tenant_context(tenant), transaction.atomic():
        plan = ProtectionPlan()
        _apply(tenant, plan, data)
        audit.record(
            actor=actor,
            origin=origin,
            action=AuditEvent.Action.PLAN_CREATE,
            tenant=tenant,
            obj=plan,
        )
    return plan


def plan_update(
    *, actor: User, tenant: Tenant, plan: ProtectionPlan, data: dict, origin: Origin
) -> ProtectionPlan:
    _check(actor, tenant)
    with tenant_context(tenant), transaction.atomic():
        plan = ProtectionPlan.objects.select_for_update().get(pk=plan.pk)
        old_name = plan.name
        _apply(tenant, plan, data)
        # Tokens before device entries: the order registrations and plan changes lock them.
        tokens_follow_plan(tenant=tenant, plan=PlanRef(plan.pk, plan.name), plan_id=plan.pk)
        if plan.name != old_name:
            directory.entries_plan_renamed(tenant, old_name, plan.name)
        audit.record(
            actor=actor,
            origin=origin,
            action=AuditEvent.Action.PLAN_UPDATE,
            tenant=tenant,
            obj=plan,
            details={"fields": sorted(data)},
        )
    return plan


def plan_delete(*, actor: User, tenant: Tenant, plan: ProtectionPlan, origin: Origin) -> None:
    """Delete a plan. It is locked first, so a plan change under way finishes before (and
    its device loses the plan here) or finds it gone; a plan deleted meanwhile is a no-op."""
    _check(actor, tenant)
    with tenant_context(tenant), transaction.atomic():
        if not ProtectionPlan.objects.select_for_update().filter(pk=plan.pk).exists():
            return
        audit.record(
            actor=actor,
            origin=origin,
            action=AuditEvent.Action.PLAN_DELETE,
            tenant=tenant,
            obj=plan,
        )
        # A token bound to the plan no longer offers one. Tokens before device entries:
        # the order registrations and plan changes lock them.
        tokens_follow_plan(tenant=tenant, plan=None, plan_id=plan.pk)
        directory.entries_plan_deleted(tenant, plan.name)
        directory.plan_entry_delete(tenant, plan.pk)
        ProtectionPlan.objects.filter(pk=plan.pk).delete()
