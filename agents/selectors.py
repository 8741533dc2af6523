"""Scoped reads of devices and protection plans.

Callers pass a tenant they obtained from `tenants.selectors.tenant_for`. The two lists give
one row shape at a customer and at a partner ("All customers"): directory entries
(`agents.directory`, public-schema tables kept in step with every customer's schema), so
each list has one template, one serializer and one query-count test.
"""

import uuid
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import get_object_or_404

from common.sorting import parse_sort
from tenants.models import Tenant, User
from tenants.permissions import Action, can
from tenants.selectors import at_level
from tokens.plans import PlanRef

from .directory.models import DeviceEntry, PlanEntry
from .models import Device, ProtectionPlan

# Sort keys of each list: the SQL expression over the row's columns.
PLAN_SORTS: dict[str, Any] = {
    "name": Lower("name"),
    "customer": F("customer_name"),
    "schedule": F("schedule"),
    "source": F("what_to_back_up"),
    "retention": F("retention_days"),
}

DEVICE_SORTS: dict[str, Any] = {
    "name": Lower("hostname"),
    "owner": F("owner_username"),
    "os": F("os"),
    "registered": F("registered_at"),
    "customer": F("customer_name"),
}


def _ordered(rows: QuerySet, sort: str, sorts: dict[str, Any]) -> QuerySet:
    key, descending = parse_sort(sort, sorts, "name")
    column = sorts[key]
    return rows.order_by(
        column.desc() if descending else column.asc(), "-id" if descending else "id"
    )


def devices_for(
    *, actor: User, tenant: Tenant, sort: str = "name", token_id: uuid.UUID | None = None
) -> QuerySet[DeviceEntry]:
    """Devices the actor may see at this level, as directory entries (one row shape at a
    customer and at All customers), ordered by `sort` ("name", "-owner", ...).

    One indexed read of the public-schema directory whatever the number of customers.
    Without VIEW_ALL_DEVICES only the actor's own devices. `token_id` (a token's public id)
    keeps the devices registered with that token.
    """
    entries = DeviceEntry.objects.filter(at_level(tenant, family="partner", lineage="lineage"))
    if not can(actor, Action.VIEW_ALL_DEVICES):
        entries = entries.filter(owner=actor)
    if token_id:
        entries = entries.filter(registered_token_id=token_id)
    return _ordered(entries, sort, DEVICE_SORTS)


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


# How many devices of the plan's customer have it applied: counted in the customer's own
# directory entries (an index range), so a page of plans costs the same at 1,000 customers.
_DEVICE_COUNT = RawSQL(
    "SELECT count(*) FROM agents_directory_deviceentry e"
    " WHERE e.tenant_id = agents_directory_planentry.tenant_id"
    " AND agents_directory_planentry.name = ANY(e.plan_names)",
    [],
)


def plans_for(*, tenant: Tenant, sort: str = "name") -> QuerySet[PlanEntry]:
    """Protection plans at this level as directory entries (one row shape at a customer and
    at All customers), each with `device_count`."""
    entries = PlanEntry.objects.filter(at_level(tenant, family="partner", lineage="lineage"))
    return _ordered(entries.annotate(device_count=_DEVICE_COUNT), sort, PLAN_SORTS)


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
    """The customers' plans as `tokens.plans` sees them (installed by AgentsConfig.ready),
    read from the plan directory: no schema switch."""

    def choices(self, tenant: Tenant) -> list[PlanRef]:
        entries = PlanEntry.objects.filter(tenant=tenant).order_by("name")
        return [PlanRef(e.plan_id, e.name) for e in entries]

    def by_id(self, tenant: Tenant, plan_id: int) -> PlanRef | None:
        entry = PlanEntry.objects.filter(tenant=tenant, plan_id=plan_id).first()
        return PlanRef(entry.plan_id, entry.name) if entry else None

    def by_name(self, tenant: Tenant, name: str) -> PlanRef | None:
        entry = PlanEntry.objects.filter(tenant=tenant, name=name).first()
        return PlanRef(entry.plan_id, entry.name) if entry else None
