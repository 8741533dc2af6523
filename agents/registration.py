"""What agents do: register with a token, apply or revoke the token's plan, unregister.

Every function runs in one transaction spanning the public schema (token, credential,
audit) and the customer's schema (device), which PostgreSQL commits atomically.
"""

import hashlib
import secrets
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenants import audit
from tenants.audit import Origin
from tenants.authorization import authorize
from tenants.models import Tenant, User
from tenants.permissions import Action
from tokens.models import AgentCredential, RegistrationToken
from tokens.selectors import token_by_value

from .models import Device, ProtectionPlan

MSG_INVALID_TOKEN = "The registration token is not valid: it is unknown, expired or deleted."  # noqa: S105
MSG_MISTYPED_TOKEN = "The registration token is mistyped: check it and try again."  # noqa: S105
MSG_NO_PLAN = "No protection plan can be assigned using this registration token"
MSG_OTHER_TENANT = "This registration token belongs to another tenant."
MSG_INVALID_SECRET = "The agent credential is not valid."  # noqa: S105


class InvalidToken(Exception):
    """Unknown, expired or deleted: deliberately indistinguishable to the caller."""


class TokenOfAnotherTenant(Exception):
    pass


class NoPlanOnToken(Exception):
    pass


@dataclass(frozen=True)
class Registration:
    device: Device
    tenant: Tenant
    token: RegistrationToken
    secret: str
    created: bool


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> str:
    # 256 bits; the prefix makes a leaked secret easy to recognise in a scanner.
    return "agt_" + secrets.token_urlsafe(32)


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


def agent_register(
    *, token_value: str, hostname: str, os: str, machine_id: str, agent_version: str, origin: Origin
) -> Registration:
    """Register (or re-register) a machine under the token's user and customer.

    Raises values.MalformedToken for a mistyped token (before any query) and InvalidToken
    for an unknown, expired or deleted one. The same machine_id in the same customer keeps
    its device: its owner follows the token and a new secret replaces the old one.
    """
    token = token_by_value(token_value)
    if token is None or not token.tenant.is_customer:
        raise InvalidToken
    tenant, now, secret = token.tenant, timezone.now(), _new_secret()
    with tenant_context(tenant), transaction.atomic():
        # Count the use only while the token is still alive: a delete that won the race
        # makes this registration fail, as if it had come a moment later.
        used = (
            RegistrationToken.objects.active(now)
            .filter(pk=token.pk)
            .update(registrations=F("registrations") + 1, last_used_at=now)
        )
        if not used:
            raise InvalidToken
        with connection.cursor() as cursor:
            cursor.execute(
                _UPSERT_DEVICE,
                [
                    Device._meta.get_field("agent_id").get_default(),
                    hostname,
                    os,
                    machine_id,
                    agent_version,
                    token.user_id,
                    now,
                    now,
                    token.public_id,
                    token.prefix,
                ],
            )
            device_id, agent_id, created = cursor.fetchone()
        AgentCredential.objects.bulk_create(
            [
                AgentCredential(
                    tenant=tenant,
                    device_id=device_id,
                    agent_id=agent_id,
                    secret_digest=secret_digest(secret),
                    issued_at=now,
                )
            ],
            update_conflicts=True,
            unique_fields=["tenant", "device_id"],
            update_fields=["secret_digest", "issued_at"],
        )
        device = Device(
            pk=device_id,
            agent_id=agent_id,
            hostname=hostname,
            os=os,
            machine_id=machine_id,
            agent_version=agent_version,
            owner=token.user,
            registered_at=now,
        )
        audit.record(
            actor=token.user,
            origin=origin,
            action="device.register" if created else "device.reregister",
            tenant=tenant,
            obj=device,
            on_behalf_of=token.user,
            details={
                "token_id": str(token.public_id),
                "prefix": token.prefix,
                "machine_id": machine_id,
            },
        )
    return Registration(device=device, tenant=tenant, token=token, secret=secret, created=created)


@dataclass(frozen=True)
class Agent:
    """An authenticated agent: its credential, tenant and device (connection set to it)."""

    credential: AgentCredential
    tenant: Tenant
    device: Device

    # DRF treats the authenticated principal like a user.
    is_authenticated = True


def agent_for_secret(secret: str) -> Agent | None:
    """The agent a Bearer secret belongs to, with the connection pointed at its tenant."""
    credential = (
        AgentCredential.objects.select_related("tenant")
        .filter(secret_digest=secret_digest(secret))
        .first()
    )
    if credential is None:
        return None
    connection.set_tenant(credential.tenant)
    now = timezone.now()
    Device.objects.filter(pk=credential.device_id).update(last_seen_at=now)
    device = Device.objects.select_related("owner").filter(pk=credential.device_id).first()
    if device is None:
        return None
    return Agent(credential=credential, tenant=credential.tenant, device=device)


def _plan_token(agent: Agent, token_value: str) -> tuple[RegistrationToken, ProtectionPlan]:
    token = token_by_value(token_value)
    if token is None:
        raise InvalidToken
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
            action="plan.apply" if apply else "plan.revoke",
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


def _device_remove(*, tenant: Tenant, device: Device, actor: User, origin: Origin) -> None:
    """Unregister a device: it leaves All devices and its secret stops working at once."""
    with tenant_context(tenant), transaction.atomic():
        AgentCredential.objects.filter(tenant=tenant, device_id=device.pk).delete()
        audit.record(
            actor=actor, origin=origin, action="device.unregister", tenant=tenant, obj=device
        )
        Device.objects.filter(pk=device.pk).delete()


def device_unregister(*, actor: User, tenant: Tenant, device: Device, origin: Origin) -> None:
    """Unregister a device from the console (an administrator's action)."""
    authorize(actor, Action.UNREGISTER_DEVICES, tenant=tenant)
    _device_remove(tenant=tenant, device=device, actor=actor, origin=origin)


def agent_unregister(*, agent: Agent, origin: Origin) -> None:
    """An agent unregisters its own device: its credential is the authorization."""
    device = agent.device
    _device_remove(tenant=agent.tenant, device=device, actor=device.owner, origin=origin)


def devices_unregister_of_user(*, actor: User, user: User, origin: Origin) -> int:
    """The agents step of deleting a user: unregister every device they own, in the user's
    customer schema; returns how many. Runs in the caller's transaction, after the caller
    revoked the user's tokens (so no registration can add a device meanwhile)."""
    authorize(actor, Action.MANAGE_USERS, tenant=user.tenant)
    with tenant_context(user.tenant):
        device_ids = list(Device.objects.filter(owner=user).values_list("pk", flat=True))
        AgentCredential.objects.filter(tenant=user.tenant, device_id__in=device_ids).delete()
        Device.objects.filter(pk__in=device_ids).delete()
    return len(device_ids)
