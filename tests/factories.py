"""Building test data in the right schema. Devices are written directly (with their
directory entry, as every device writer does) when a test does not need an agent."""

import itertools

from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.directory import services as directory
from agents.models import Device, ProtectionPlan

_serial = itertools.count(1)


def make_device(tenant, owner, *, hostname=None, plans=(), **fields) -> Device:
    n = next(_serial)
    with tenant_context(tenant):
        device = Device.objects.create(
            hostname=hostname or f"host-{n}",
            os=fields.pop("os", "Ubuntu 24.04"),
            machine_id=fields.pop("machine_id", f"machine-{n}"),
            agent_version=fields.pop("agent_version", "1.0.0"),
            owner=owner,
            registered_at=fields.pop("registered_at", timezone.now()),
            **fields,
        )
        for name in plans:
            device.plans.add(ProtectionPlan.objects.get(name=name))
        directory.entry_save(tenant, device)
    return device


def make_token(tenant, user, *, actor=None, plan=None, lifetime=None):
    """A token through the real service; returns (token, value)."""
    from tenants.audit import CLI
    from tokens import services

    plan_id = None
    if plan:
        with tenant_context(tenant):
            plan_id = ProtectionPlan.objects.get(name=plan).pk
    issued = services.token_create(
        actor=actor or user,
        tenant=tenant,
        user_id=user.pk,
        plan_id=plan_id,
        lifetime=lifetime or services.DEFAULT_LIFETIME,
        origin=CLI,
    )
    return issued.token, issued.value


def make_bare_customers(partner, prefix: str, count: int) -> list:
    """`count` customers of `partner` named "<prefix> 000", ... without schemas: enough for
    every page that reads only the public schema (lists across customers, the selector)."""
    from tenants.models import Tenant

    slug = prefix.lower()
    return Tenant.objects.bulk_create(
        Tenant(
            name=f"{prefix} {n:03}",
            slug=f"{slug}-{n}",
            kind="customer",
            parent=partner,
            family=partner.pk,
            schema_name=f"t_{slug}_{n}",
        )
        for n in range(count)
    )


def error_body(response) -> dict:
    """An API error's JSON body without its request id, which must be there and match the
    X-Request-ID header (every answer has its own, so bodies are compared without it)."""
    body = dict(response.json())
    assert body.pop("request_id") == response["X-Request-ID"], body
    return body
