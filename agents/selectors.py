"""Scoped reads of devices and protection plans.

Callers pass a tenant they obtained from `tenants.selectors.tenant_for`. The two lists give
one row shape at a customer and at a partner ("All customers"): devices are directory
entries (`agents.directory`, one public-schema table), plans are `PlanRow`s; so each list has
one template, one serializer and one query-count test.
"""

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_tenants.utils import tenant_context

from tenants.models import Tenant, User
from tenants.permissions import Action, can
from tenants.schemas import UnionRows
from tenants.selectors import customers_at
from tenants.sorting import parse_sort
from tokens.plans import PlanRef

from .directory.models import DeviceEntry
from .models import Device, ProtectionPlan


@dataclass(frozen=True)
class PlanRow:
    """A line of Protection plans, with its choices' labels."""

    id: int
    name: str
    schedule: str
    what_to_back_up: str
    start_time: datetime.time
    retention_days: int
    encryption: bool
    updated_at: datetime.datetime
    customer_name: str
    customer_slug: str
    device_count: int

    @property
    def schedule_label(self) -> str:
        return str(ProtectionPlan.Schedule(self.schedule).label)

    @property
    def source_label(self) -> str:
        return str(ProtectionPlan.Source(self.what_to_back_up).label)


# Sort keys of each list: the SQL expression over the row's columns.
PLAN_SORTS = {
    "name": "lower(name)",
    "customer": "customer_name",
    "schedule": "schedule",
    "source": "what_to_back_up",
    "retention": "retention_days",
}

DEVICE_SORTS: dict[str, Any] = {
    "name": Lower("hostname"),
    "owner": F("owner_username"),
    "os": F("os"),
    "registered": F("registered_at"),
    "customer": F("customer_name"),
}

_PLANS = """
SELECT p.id, p.name, p.schedule, p.what_to_back_up, p.start_time, p.retention_days,
       p.encryption, p.updated_at, t.name AS customer_name, t.slug AS customer_slug,
       (SELECT count(*) FROM {schema}.agents_device_plans dp
        WHERE dp.protectionplan_id = p.id) AS device_count
FROM {schema}.agents_protectionplan p
JOIN tenants_tenant t ON t.id = {tenant_pk}
"""


def _order(sort: str, sorts: dict[str, str], default: str) -> str:
    key, descending = parse_sort(sort, sorts, default)
    return f"{sorts[key]} {'DESC' if descending else 'ASC'}, customer_name, id"


def devices_for(
    *, actor: User, tenant: Tenant, sort: str = "name", token_id: uuid.UUID | None = None
) -> QuerySet[DeviceEntry]:
    """Devices the actor may see at this level, as directory entries (one row shape at a
    customer and at All customers), ordered by `sort` ("name", "-owner", ...).

    One indexed read of the public-schema directory whatever the number of customers.
    Without VIEW_ALL_DEVICES only the actor's own devices. `token_id` (a token's public id)
    keeps the devices registered with that token.
    """
    entries = (
        DeviceEntry.objects.filter(tenant=tenant)
        if tenant.is_customer
        else (DeviceEntry.objects.filter(partner=tenant))
    )
    if not can(actor, Action.VIEW_ALL_DEVICES):
        entries = entries.filter(owner=actor)
    if token_id:
        entries = entries.filter(registered_token_id=token_id)
    key, descending = parse_sort(sort, DEVICE_SORTS, "name")
    column = DEVICE_SORTS[key]
    order = column.desc() if descending else column.asc()
    return entries.order_by(order, "-id" if descending else "id")


def devices_visible(*, actor: User) -> QuerySet[Device]:
    """The devices of the current customer schema the actor may see: all of them with
    VIEW_ALL_DEVICES, otherwise only the actor's own."""
    devices = Device.objects.select_related("owner")
    if not can(actor, Action.VIEW_ALL_DEVICES):
        devices = devices.filter(owner=actor)
    return devices


def device_in(*, actor: User, tenant: Tenant, agent_id: uuid.UUID | str) -> Device:
    """One device of this customer the actor may see (connection set to it), or Http404."""
    if not tenant.is_customer:
        raise Http404("Devices belong to a customer.")
    try:
        return devices_visible(actor=actor).get(agent_id=agent_id)
    except (Device.DoesNotExist, ValueError, DjangoValidationError):
        raise Http404("No such device.") from None


def plans_for(*, tenant: Tenant, sort: str = "name") -> UnionRows:
    """Protection plans at this level as `PlanRow`s: a customer's own, or every customer's
    at a partner."""
    return UnionRows(
        customers=customers_at(tenant),
        select=_PLANS,
        order_by=_order(sort, PLAN_SORTS, "name"),
        row=PlanRow,
    )


def plan_in(*, tenant: Tenant, plan_id: int) -> ProtectionPlan:
    """One plan of this customer (the connection is set to it), or Http404."""
    if not tenant.is_customer:
        raise Http404("Protection plans belong to a customer.")
    return get_object_or_404(ProtectionPlan, pk=plan_id)


def device_count_of(user: User) -> int:
    """How many devices a user owns."""
    return DeviceEntry.objects.filter(owner=user).count()


def device_counts(customers: list[Tenant]) -> dict[int, dict[str, int]]:
    """Per customer: devices and protected devices (one or more plans applied)."""
    rows = (
        DeviceEntry.objects.filter(tenant__in=customers)
        .values("tenant_id")
        .annotate(devices=Count("id"), protected=Count("id", filter=~Q(plan_names=[])))
    )
    return {r["tenant_id"]: {"devices": r["devices"], "protected": r["protected"]} for r in rows}


class PlanCatalog:
    """The customers' plans as `tokens.plans` sees them (installed by AgentsConfig.ready)."""

    def choices(self, tenant: Tenant) -> list[PlanRef]:
        with tenant_context(tenant):
            return [PlanRef(p.pk, p.name) for p in ProtectionPlan.objects.order_by("name")]

    def by_id(self, tenant: Tenant, plan_id: int) -> PlanRef | None:
        with tenant_context(tenant):
            plan = ProtectionPlan.objects.filter(pk=plan_id).first()
        return PlanRef(plan.pk, plan.name) if plan else None

    def by_name(self, tenant: Tenant, name: str) -> PlanRef | None:
        with tenant_context(tenant):
            plan = ProtectionPlan.objects.filter(name=name).first()
        return PlanRef(plan.pk, plan.name) if plan else None
