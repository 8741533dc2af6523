"""Keeping the device directory in step with the customers' schemas.

Callers run these inside the transaction of the change they mirror, with the connection
pointed at the customer's schema where a device is read.
"""

import datetime
from collections.abc import Iterable

from django.db.models import Func, Value

from tenants.models import Tenant

from ..models import Device, ProtectionPlan
from .models import DeviceEntry, PlanEntry


def entry_save(tenant: Tenant, device: Device) -> None:
    """Write the entry of `device` (of `tenant`, the current schema) as it is now."""
    plan_names = sorted(device.plans.values_list("name", flat=True))
    DeviceEntry.objects.update_or_create(
        tenant=tenant,
        device_id=device.pk,
        defaults={
            "partner_id": tenant.family,
            "agent_id": device.agent_id,
            "hostname": device.hostname,
            "os": device.os,
            "agent_version": device.agent_version,
            "owner_id": device.owner_id,
            "owner_username": device.owner.username,
            "customer_name": tenant.name,
            "customer_slug": tenant.slug,
            "plan_names": plan_names,
            "registered_at": device.registered_at,
            "registered_token_id": device.registered_token_id,
            "registered_token_prefix": device.registered_token_prefix,
            "last_seen_at": device.last_seen_at,
        },
    )


def entry_plans(tenant: Tenant, device: Device) -> None:
    """After plans were applied to or revoked from `device`: its entry's plan names."""
    names = sorted(device.plans.values_list("name", flat=True))
    DeviceEntry.objects.filter(tenant=tenant, device_id=device.pk).update(plan_names=names)


def entries_delete(tenant: Tenant, device_ids: Iterable[int]) -> None:
    DeviceEntry.objects.filter(tenant=tenant, device_id__in=list(device_ids)).delete()


def entries_seen(tenant: Tenant, device_id: int, at: datetime.datetime) -> None:
    DeviceEntry.objects.filter(tenant=tenant, device_id=device_id).update(last_seen_at=at)


def entries_plan_renamed(tenant: Tenant, old: str, new: str) -> None:
    """A plan's new name, in the entries of the devices it is applied to."""
    replaced = Func("plan_names", Value(old), Value(new), function="array_replace")
    DeviceEntry.objects.filter(tenant=tenant, plan_names__contains=[old]).update(
        plan_names=replaced
    )


def entries_plan_deleted(tenant: Tenant, name: str) -> None:
    removed = Func("plan_names", Value(name), function="array_remove")
    DeviceEntry.objects.filter(tenant=tenant, plan_names__contains=[name]).update(
        plan_names=removed
    )


def entries_customer_renamed(tenant: Tenant) -> None:
    DeviceEntry.objects.filter(tenant=tenant).update(customer_name=tenant.name)
    PlanEntry.objects.filter(tenant=tenant).update(customer_name=tenant.name)


def plan_entry_save(tenant: Tenant, plan: ProtectionPlan) -> None:
    """Write the entry of `plan` (of `tenant`) as it is now."""
    PlanEntry.objects.update_or_create(
        tenant=tenant,
        plan_id=plan.pk,
        defaults={
            "partner_id": tenant.family,
            "name": plan.name,
            "schedule": plan.schedule,
            "what_to_back_up": plan.what_to_back_up,
            "start_time": plan.start_time,
            "retention_days": plan.retention_days,
            "encryption": plan.encryption,
            "updated_at": plan.updated_at,
            "customer_name": tenant.name,
            "customer_slug": tenant.slug,
        },
    )


def plan_entry_delete(tenant: Tenant, plan_id: int) -> None:
    PlanEntry.objects.filter(tenant=tenant, plan_id=plan_id).delete()
