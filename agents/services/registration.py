"""What agents do with a registration token: register a machine, and apply or revoke the
token's protection plan.

Each runs in one transaction spanning the public schema (token, credential, audit) and the
customer's schema (device), which PostgreSQL commits atomically.
"""

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenants import audit
from tenants.audit import Origin
from tenants.models import AuditEvent, Tenant
from tokens.models import AgentCredential, RegistrationToken
from tokens.selectors import InvalidToken, usable_token

from ..authentication import Agent, new_secret, secret_digest
from ..models import Device, ProtectionPlan

MSG_NO_PLAN = "No protection plan can be assigned using this registration token"
MSG_OTHER_TENANT = "This registration token belongs to another tenant."


class TokenOfAnotherTenant(Exception):
    pass


class NoPlanOnToken(Exception):
    pass


@dataclass(frozen=True)
class Machine:
    """What an agent says about the machine it runs on."""

    hostname: str
    os: str
    machine_id: str
    agent_version: str = ""


@dataclass(frozen=True)
class Registration:
    device: Device
    tenant: Tenant
    token: RegistrationToken
    secret: str
    created: bool


def agent_register(*, token_value: str, machine: Machine, origin: Origin) -> Registration:
    """Register (or re-register) a machine under the token's user and customer.

    Raises values.MalformedToken for a mistyped token (before any query) and InvalidToken
    for an unknown, expired or deleted one. The same machine_id in the same customer keeps
    its device: its owner follows the token and a new secret replaces the old one.
    """
    token = usable_token(token_value)
    if not token.tenant.is_customer:
        raise InvalidToken
    now, secret = timezone.now(), new_secret()
    with tenant_context(token.tenant), transaction.atomic():
        _count_use(token, now)
        device, created = _upsert_device(token, machine, now)
        _issue_credential(token.tenant, device, secret, now)
        _record_registration(token, device, created, origin)
    return Registration(
        device=device, tenant=token.tenant, token=token, secret=secret, created=created
    )


def _count_use(token: RegistrationToken, now: datetime.datetime) -> None:
    """Count the use only while the token is still alive: a delete that won the race makes
    this registration fail, as if it had come a moment later."""
    used = (
        RegistrationToken.objects.active(now)
        .filter(pk=token.pk)
        .update(registrations=F("registrations") + 1, last_used_at=now)
    )
    if not used:
        raise InvalidToken


_UPSERT_DEVICE = """
INSERT INTO agents_device
    (agent_id, hostname, os, machine_id, agent_version, owner_id, registered_at,
     last_seen_at, registered_token_id, registered_token_prefix)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (machine_id) DO UPDATE SET
    hostname = EXCLUDED.hostname, os = EXCLUDED.os, agent_version = EXCLUDED.agent_version,
    owner_id = EXCLUDED.owner_id, last_seen_at = EXCLUDED.last_seen_at,
    registered_token_id = EXCLUDED.registered_token_id,
    registered_token_prefix = EXCLUDED.registered_token_prefix
RETURNING id, agent_id, (xmax = 0) AS inserted
"""


def _upsert_device(
    token: RegistrationToken, machine: Machine, now: datetime.datetime
) -> tuple[Device, bool]:
    """One statement whatever the race: a new device, or the machine's existing one taken
    over by the token's user. Returns the device and whether it is new."""
    with connection.cursor() as cursor:
        cursor.execute(
            _UPSERT_DEVICE,
            [
                Device._meta.get_field("agent_id").get_default(),
                machine.hostname,
                machine.os,
                machine.machine_id,
                machine.agent_version,
                token.user_id,
                now,
                now,
                token.public_id,
                token.prefix,
            ],
        )
        device_id, agent_id, created = cursor.fetchone()
    device = Device(
        pk=device_id,
        agent_id=agent_id,
        hostname=machine.hostname,
        os=machine.os,
        machine_id=machine.machine_id,
        agent_version=machine.agent_version,
        owner=token.user,
        registered_at=now,
    )
    return device, created


def _issue_credential(tenant: Tenant, device: Device, secret: str, now: datetime.datetime) -> None:
    """Store the new secret's digest; it replaces the device's previous one."""
    AgentCredential.objects.bulk_create(
        [
            AgentCredential(
                tenant=tenant,
                device_id=device.pk,
                agent_id=device.agent_id,
                secret_digest=secret_digest(secret),
                issued_at=now,
            )
        ],
        update_conflicts=True,
        unique_fields=["tenant", "device_id"],
        update_fields=["secret_digest", "issued_at"],
    )


def _record_registration(
    token: RegistrationToken, device: Device, created: bool, origin: Origin
) -> None:
    audit.record(
        actor=token.user,
        origin=origin,
        action=AuditEvent.Action.DEVICE_REGISTER
        if created
        else AuditEvent.Action.DEVICE_REREGISTER,
        tenant=token.tenant,
        obj=device,
        on_behalf_of=token.user,
        details={
            "token_id": str(token.public_id),
            "prefix": token.prefix,
            "machine_id": device.machine_id,
        },
    )


def _plan_token(agent: Agent, token_value: str) -> tuple[RegistrationToken, ProtectionPlan]:
    token = usable_token(token_value)
    if token.tenant_id != agent.tenant.pk:
        raise TokenOfAnotherTenant
    plan = ProtectionPlan.objects.filter(pk=token.plan_id).first() if token.plan_id else None
    if plan is None:
        raise NoPlanOnToken
    return token, plan


def _plan_change(agent: Agent, token_value: str, *, apply: bool, origin: Origin) -> ProtectionPlan:
    token, plan = _plan_token(agent, token_value)
    with transaction.atomic():
        now = timezone.now()
        if not RegistrationToken.objects.active(now).filter(pk=token.pk).update(last_used_at=now):
            raise InvalidToken  # deleted or expired a moment ago
        if apply:
            agent.device.plans.add(plan)
        else:
            agent.device.plans.remove(plan)
        audit.record(
            actor=token.user,
            origin=origin,
            action=AuditEvent.Action.PLAN_APPLY if apply else AuditEvent.Action.PLAN_REVOKE,
            tenant=agent.tenant,
            obj=agent.device,
            details={"plan": plan.name, "token_id": str(token.public_id), "prefix": token.prefix},
        )
    return plan


def plan_apply(*, agent: Agent, token_value: str, origin: Origin) -> ProtectionPlan:
    """Apply the token's plan to the agent's device; applying it again is success."""
    return _plan_change(agent, token_value, apply=True, origin=origin)


def plan_revoke(*, agent: Agent, token_value: str, origin: Origin) -> ProtectionPlan:
    """Revoke the token's plan from the device; revoking a plan not applied is success."""
    return _plan_change(agent, token_value, apply=False, origin=origin)
