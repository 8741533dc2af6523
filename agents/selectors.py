"""Scoped reads of devices and protection plans.

Callers pass a tenant they obtained from `tenants.selectors.tenant_for`. The two lists give
one row shape (`DeviceRow`, `PlanRow`) at a customer and at a partner ("All customers"),
where they span every customer's schema in one query; so each list has one template, one
serializer and one query-count test.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_tenants.utils import tenant_context

from tenants.models import Tenant, User
from tenants.permissions import Action, can
from tenants.schemas import UnionRows
from tenants.selectors import customers_at
from tenants.sorting import parse_sort
from tokens.plans import PlanRef

from .models import Device, ProtectionPlan


@dataclass(frozen=True)
class DeviceRow:
    """A line of Devices > All devices."""

    id: int
    agent_id: uuid.UUID
    hostname: str
    os: str
    agent_version: str
    registered_at: datetime.datetime
    last_seen_at: datetime.datetime | None
    registered_token_prefix: str
    owner_username: str
    customer_name: str
    customer_slug: str
    plan_names: list[str]


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

DEVICE_SORTS = {
    "name": "lower(hostname)",
    "owner": "owner_username",
    "os": "os",
    "registered": "registered_at",
    "customer": "customer_name",
}

_DEVICES = """
SELECT d.id, d.agent_id, d.hostname, d.os, d.agent_version, d.registered_at, d.last_seen_at,
       d.registered_token_prefix,
       u.username AS owner_username, t.name AS customer_name, t.slug AS customer_slug,
       ARRAY(SELECT p.name FROM {schema}.agents_protectionplan p
             JOIN {schema}.agents_device_plans dp ON dp.protectionplan_id = p.id
             WHERE dp.device_id = d.id ORDER BY p.name) AS plan_names
FROM {schema}.agents_device d
JOIN tenants_user u ON u.id = d.owner_id
JOIN tenants_tenant t ON t.id = {tenant_pk}
WHERE true
"""

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
) -> UnionRows:
    """Devices the actor may see at this level as `DeviceRow`s, ordered by `sort` ("name",
    "-owner", ...); paginate with Django's Paginator.

    Without VIEW_ALL_DEVICES only the actor's own devices. `token_id` (a token's public id)
    keeps the devices registered with that token.
    """
    select, params = _DEVICES, list[object]()
    if not can(actor, Action.VIEW_ALL_DEVICES):
        select, params = select + " AND d.owner_id = %s", [*params, actor.pk]
    if token_id:
        select, params = select + " AND d.registered_token_id = %s", [*params, token_id]
    return UnionRows(
        customers=customers_at(tenant),
        select=select,
        params=params,
        order_by=_order(sort, DEVICE_SORTS, "name"),
        row=DeviceRow,
    )


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
    """How many devices a user owns (in their customer's schema)."""
    if user.tenant is None:
        return 0
    with tenant_context(user.tenant):
        return Device.objects.filter(owner=user).count()


def device_counts(customers: list[Tenant]) -> dict[int, dict[str, int]]:
    """Per customer: devices and protected devices (one or more plans applied)."""
    rows = UnionRows(
        customers=customers,
        select="""
SELECT {tenant_pk} AS tenant_id, count(*) AS devices,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM {schema}.agents_device_plans dp
                                      WHERE dp.device_id = d.id)) AS protected
FROM {schema}.agents_device d
""",
        order_by="tenant_id",
    )
    return {r["tenant_id"]: {"devices": r["devices"], "protected": r["protected"]} for r in rows[:]}


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
