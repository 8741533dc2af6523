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

from common.db import prepared_cursor
from tenants import audit
from tenants.audit import Origin
from tenants.models import AuditEvent, Tenant
from tokens import values
from tokens.models import RegistrationToken
from tokens.selectors import InvalidToken, usable_token
from tokens.services import token_network_check

from ..authentication import Agent, new_secret, secret_digest
from ..directory import services as directory
from ..models import Device, ProtectionPlan
from . import registration_sql as sql
from .registration_known import Registered, not_registered, register_known, remember

# The answers' messages and the exceptions live with the other outcomes (registration_outcomes);
# importers keep naming them here.
from .registration_outcomes import (  # noqa: F401
    MSG_MACHINE_TAKEN,
    MSG_NO_PLAN,
    MSG_OTHER_TENANT,
    MSG_OTHER_USER,
    AgentGone,
    Machine,
    MachineTaken,
    NoPlanOnToken,
    TokenOfAnotherTenant,
    TokenOfAnotherUser,
)


@dataclass(frozen=True)
class Registration:
    device: Device
    tenant: Tenant
    token: RegistrationToken
    secret: str
    created: bool


def agent_register(
    *, token_value: str, machine: Machine, origin: Origin, proof: str | None = None
) -> Registered:
    """Register (or re-register) a machine under the token's user and customer.

    Raises values.MalformedToken for a mistyped token (before any query) and InvalidToken
    for an unknown, expired or deleted one. The same machine_id in the same customer keeps
    its device and gets a new secret when the token's user owns it already or `proof` (the
    agent secret the machine sent as a Bearer credential) is its current secret; then its
    owner follows the token. Any other claim on it raises MachineTaken, having changed
    nothing but the audit log.

    Two statements in all: the token's lookup by digest, then `_REGISTER`, which does every
    write in one schema-qualified statement (its own transaction), with no `SET search_path`.
    One statement with a token this process registered with before (`registration_known`).
    """
    digest = values.digest(values.normalize(token_value))
    known = register_known(digest, machine, origin, proof)
    if known is not None:
        return known
    token = usable_token(token_value)
    if not token.tenant.is_customer:
        raise InvalidToken(token=token)
    token_network_check(token=token, origin=origin, use="register")
    registration = register_with(token, machine, origin, proof=proof)
    remember(digest, token)
    token, owner = registration.token, registration.token.user
    return Registered(
        agent_id=registration.device.agent_id,
        secret=registration.secret,
        created=registration.created,
        tenant_slug=registration.tenant.slug,
        tenant_uuid=registration.tenant.uuid,
        tenant_name=registration.tenant.name,
        owner_id=owner.pk,
        owner_uuid=owner.uuid,
        owner_username=owner.username,
        plan_id=token.plan_id,
        plan_name=token.plan_name,
    )


def register_with(
    token: RegistrationToken, machine: Machine, origin: Origin, *, proof: str | None = None
) -> Registration:
    """The writes of a registration with a token just looked up: InvalidToken if it has
    been deleted or has expired since, and then nothing is written; MachineTaken if the
    machine id is another account's and `proof` does not prove its identity."""
    now, secret = timezone.now(), new_secret()
    params = _register_params(
        token,
        machine,
        secret_digest=secret_digest(secret),
        proof_digest=secret_digest(proof) if proof else None,
        now=now,
        origin=origin,
    )
    # Prepared once per connection: parsing and planning the statement cost PostgreSQL more
    # CPU than running it.
    with prepared_cursor() as cursor:
        cursor.execute(sql.register_sql(token.tenant), params)
        row = cursor.fetchone()
    device_id, agent_id, registered_at, created, used, refused, live, fresh = row
    if device_id is None:
        not_registered(token, machine, origin, used=used, refused=refused, live=live, fresh=fresh)
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


def _register_params(
    token: RegistrationToken,
    machine: Machine,
    *,
    secret_digest: str,
    proof_digest: str | None,
    now: datetime.datetime,
    origin: Origin,
) -> dict:
    """The parameters of `sql.register_sql`'s statement."""
    tenant, user = token.tenant, token.user
    details = {
        "token_id": str(token.public_id),
        "prefix": token.prefix,
        "machine_id": machine.machine_id,
        "hostname": machine.hostname[:200],
        "with_agent_credential": proof_digest is not None,
        **grace_use(token),
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
        "partner": tenant.family,
        "family": tenant.family,
        # Monitoring > Usage's counter day (UTC), for the `usage` branch.
        "day": now.astimezone(datetime.UTC).date(),
        "customer_name": tenant.name,
        "customer_slug": tenant.slug,
        "digest": secret_digest,
        "proof": proof_digest,
        "registered": AuditEvent.Action.DEVICE_REGISTER.value,
        "reregistered": AuditEvent.Action.DEVICE_REREGISTER.value,
        "refused": AuditEvent.Action.DEVICE_REGISTER_REFUSED.value,
        "repr": machine.hostname[:200],
        "details": json.dumps(details),
        "source": origin.source,
        "ip": origin.ip_address,
    }


def grace_use(token: RegistrationToken) -> dict:
    """What an audit event adds for a use of a replaced token's old value during its grace
    period (tokens/renewal.py): that it was one, and until when the value works."""
    if token.works_until is None:
        return {}
    return {"during_grace": True, "works_until": token.works_until.isoformat()}


def _plan_token(
    agent: Agent, token: RegistrationToken, origin: Origin
) -> tuple[RegistrationToken, int]:
    """The token and the id of its plan, if this agent may use them."""
    if token.tenant_id != agent.tenant.pk:
        raise TokenOfAnotherTenant
    token_network_check(token=token, origin=origin, use="plan")
    if token.user_id != agent.device.owner_id:
        raise TokenOfAnotherUser
    if token.plan_id is None:
        raise NoPlanOnToken
    return token, token.plan_id


def _locked_plan(plan_id: int) -> ProtectionPlan | None:
    """The plan, held against deletion and change until the transaction ends (FOR KEY
    SHARE: plan changes of other devices go on in parallel)."""
    table = connection.ops.quote_name(ProtectionPlan._meta.db_table)
    query = f"SELECT * FROM {table} WHERE id = %s FOR KEY SHARE"  # noqa: S608 - model's table
    return next(iter(ProtectionPlan.objects.raw(query, [plan_id])), None)


def plan_change(
    *, agent: Agent, token: RegistrationToken, apply: bool, origin: Origin
) -> ProtectionPlan:
    """Apply (or revoke) the plan of a token already looked up (`usable_token`) to the
    agent's device: the one rule for every entry point (the agent API with the token's
    value, the vendor API v2 with an access token issued for the token).

    Locks in the order every writer of these rows takes them (plan, token, device, then
    the directory), so a plan change racing an unregister, a plan's deletion or a user's
    deletion waits for it and then answers from what is left, never with a deadlock."""
    token, plan_id = _plan_token(agent, token, origin)
    with transaction.atomic():
        plan = _locked_plan(plan_id)
        if plan is None:  # deleted a moment ago
            raise NoPlanOnToken
        now = timezone.now()
        if not RegistrationToken.objects.active(now).filter(pk=token.pk).update(last_used_at=now):
            raise InvalidToken(token=token)  # deleted or expired a moment ago
        device = Device.objects.select_for_update().filter(pk=agent.device.pk).first()
        if device is None:  # unregistered a moment ago
            raise AgentGone
        if device.owner_id != token.user_id:  # moved to another user a moment ago
            raise TokenOfAnotherUser
        if apply:
            device.plans.add(plan)
        else:
            device.plans.remove(plan)
        directory.entry_plans(agent.tenant, device)
        audit.record(
            actor=token.user,
            origin=origin,
            action=AuditEvent.Action.PLAN_APPLY if apply else AuditEvent.Action.PLAN_REVOKE,
            tenant=agent.tenant,
            obj=device,
            details={
                "plan": plan.name,
                "token_id": str(token.public_id),
                "prefix": token.prefix,
                **grace_use(token),
            },
        )
    return plan


def plan_apply(*, agent: Agent, token_value: str, origin: Origin) -> ProtectionPlan:
    """Apply the token's plan to the agent's device; applying it again is success."""
    return plan_change(agent=agent, token=usable_token(token_value), apply=True, origin=origin)


def plan_revoke(*, agent: Agent, token_value: str, origin: Origin) -> ProtectionPlan:
    """Revoke the token's plan from the device; revoking a plan not applied is success."""
    token = usable_token(token_value)
    return plan_change(agent=agent, token=token, apply=False, origin=origin)
