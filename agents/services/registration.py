"""What agents do with a registration token: register a machine, and apply or revoke the
token's protection plan.

Each runs in one transaction spanning the public schema (token, credential, audit) and the
customer's schema (device), which PostgreSQL commits atomically.
"""

import datetime
import json
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from tenants import audit
from tenants.audit import Origin
from tenants.models import AuditEvent, Tenant
from tokens.models import RegistrationToken
from tokens.selectors import InvalidToken, usable_token

from ..authentication import Agent, new_secret, secret_digest
from ..directory import services as directory
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

    Two statements in all: the token's lookup by digest, then `_REGISTER`, which does every
    write in one schema-qualified statement (its own transaction), with no `SET search_path`.
    """
    token = usable_token(token_value)
    if not token.tenant.is_customer:
        raise InvalidToken
    return register_with(token, machine, origin)


def register_with(token: RegistrationToken, machine: Machine, origin: Origin) -> Registration:
    """The writes of a registration with a token just looked up: InvalidToken if it has
    been deleted or has expired since, and then nothing is written."""
    now, secret = timezone.now(), new_secret()
    with connection.cursor() as cursor:
        cursor.execute(
            _register_sql(token.tenant), _register_params(token, machine, secret, now, origin)
        )
        row = cursor.fetchone()
    if row is None:  # the token was deleted or expired a moment ago: nothing was written
        raise InvalidToken
    device_id, agent_id, registered_at, created = row
    device = Device(
        pk=device_id,
        agent_id=agent_id,
        hostname=machine.hostname,
        os=machine.os,
        machine_id=machine.machine_id,
        agent_version=machine.agent_version,
        owner=token.user,
        registered_at=registered_at,
        registered_token_id=token.public_id,
        registered_token_prefix=token.prefix,
        last_seen_at=now,
    )
    return Registration(
        device=device, tenant=token.tenant, token=token, secret=secret, created=created
    )


# Every write of a registration, in the order of today's guarantees: the token's use is
# counted only while it is still active (`used`; a delete that won the race leaves no row,
# so nothing below happens and the caller answers 401); the device is upserted on its
# machine id (parallel registrations of one machine give one device); its directory entry
# and its credential are upserted; the audit event is written. One statement is one
# transaction: all of it commits, or none.
_REGISTER = """
WITH used AS (
    UPDATE {public}.tokens_registrationtoken
    SET registrations = registrations + 1, last_used_at = %(now)s
    WHERE id = %(token)s AND deleted_at IS NULL AND expires_at > %(now)s
    RETURNING id
), device AS (
    INSERT INTO {schema}.agents_device
        (agent_id, hostname, os, machine_id, agent_version, owner_id, registered_at,
         last_seen_at, registered_token_id, registered_token_prefix)
    SELECT %(agent_id)s, %(hostname)s, %(os)s, %(machine_id)s, %(agent_version)s, %(owner)s,
           %(now)s, %(now)s, %(token_id)s, %(prefix)s
    FROM used
    ON CONFLICT (machine_id) DO UPDATE SET
        hostname = EXCLUDED.hostname, os = EXCLUDED.os,
        agent_version = EXCLUDED.agent_version, owner_id = EXCLUDED.owner_id,
        last_seen_at = EXCLUDED.last_seen_at,
        registered_token_id = EXCLUDED.registered_token_id,
        registered_token_prefix = EXCLUDED.registered_token_prefix
    RETURNING id, agent_id, registered_at, (xmax = 0) AS inserted
), entry AS (
    INSERT INTO {public}.agents_directory_deviceentry
        (tenant_id, partner_id, device_id, agent_id, hostname, os, agent_version, owner_id,
         owner_username, customer_name, customer_slug, plan_names, registered_at,
         registered_token_id, registered_token_prefix, last_seen_at)
    SELECT %(tenant)s, %(partner)s, device.id, device.agent_id, %(hostname)s, %(os)s,
           %(agent_version)s, %(owner)s, %(username)s, %(customer_name)s, %(customer_slug)s,
           ARRAY(SELECT p.name FROM {schema}.agents_protectionplan p
                 JOIN {schema}.agents_device_plans dp ON dp.protectionplan_id = p.id
                 WHERE dp.device_id = device.id ORDER BY p.name)::varchar(100)[],
           device.registered_at, %(token_id)s, %(prefix)s, %(now)s
    FROM device
    ON CONFLICT (tenant_id, device_id) DO UPDATE SET
        hostname = EXCLUDED.hostname, os = EXCLUDED.os,
        agent_version = EXCLUDED.agent_version, owner_id = EXCLUDED.owner_id,
        owner_username = EXCLUDED.owner_username, plan_names = EXCLUDED.plan_names,
        registered_token_id = EXCLUDED.registered_token_id,
        registered_token_prefix = EXCLUDED.registered_token_prefix,
        last_seen_at = EXCLUDED.last_seen_at
), credential AS (
    INSERT INTO {public}.tokens_agentcredential
        (tenant_id, device_id, agent_id, secret_digest, issued_at)
    SELECT %(tenant)s, device.id, device.agent_id, %(digest)s, %(now)s FROM device
    ON CONFLICT (tenant_id, device_id) DO UPDATE SET
        secret_digest = EXCLUDED.secret_digest, issued_at = EXCLUDED.issued_at
), event AS (
    INSERT INTO {public}.tenants_auditevent
        (at, actor_id, actor_name, on_behalf_of_id, tenant_id, family, action, object_type,
         object_id, object_repr, details, source, ip_address)
    SELECT %(now)s, %(owner)s, %(username)s, %(owner)s, %(tenant)s, %(family)s,
           CASE WHEN device.inserted THEN %(registered)s ELSE %(reregistered)s END,
           'device', device.id::text, %(repr)s, %(details)s::jsonb, %(source)s, %(ip)s
    FROM device
)
SELECT id, agent_id, registered_at, inserted FROM device
"""


def _register_sql(tenant: Tenant) -> str:
    # The schema name comes from a validated Tenant row (django-tenants checks it), quoted.
    quote = connection.ops.quote_name
    return _REGISTER.format(
        schema=quote(tenant.schema_name), public=quote(get_public_schema_name())
    )


def _register_params(
    token: RegistrationToken, machine: Machine, secret: str, now: datetime.datetime, origin: Origin
) -> dict:
    tenant, user = token.tenant, token.user
    details = {
        "token_id": str(token.public_id),
        "prefix": token.prefix,
        "machine_id": machine.machine_id,
    }
    return {
        "now": now,
        "token": token.pk,
        "token_id": token.public_id,
        "prefix": token.prefix,
        "agent_id": Device._meta.get_field("agent_id").get_default(),
        "hostname": machine.hostname,
        "os": machine.os,
        "machine_id": machine.machine_id,
        "agent_version": machine.agent_version,
        "owner": user.pk,
        "username": user.username,
        "tenant": tenant.pk,
        "partner": tenant.parent_id,
        "family": tenant.family,
        "customer_name": tenant.name,
        "customer_slug": tenant.slug,
        "digest": secret_digest(secret),
        "registered": AuditEvent.Action.DEVICE_REGISTER.value,
        "reregistered": AuditEvent.Action.DEVICE_REREGISTER.value,
        "repr": machine.hostname[:200],
        "details": json.dumps(details),
        "source": origin.source,
        "ip": origin.ip_address,
    }


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
        directory.entry_plans(agent.tenant, agent.device)
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
