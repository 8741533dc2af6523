"""A registration with a token this worker process has registered with before: one statement.

A registration is two statements the first time a process sees a token: its lookup by the
value's digest (`tokens.selectors.usable_token`), the checks made in Python on the row
(the customer, the address limit), then the write (`registration_sql.register_sql`). The
lookup was a fifth of a registration's app CPU (a round trip, and three model rows built
from 53 columns), and a script registering a fleet uses one token for every machine.

So a token that registered a machine is remembered, by digest, with its customer's id and
schema (no value, no other field), when it needs none of those checks in Python: a
customer's token with no address limit and not a replaced token's old value. The next
registration with it sends `registration_sql.known_token_sql`, which looks the token up
itself, under every condition of the lookup and of the checks (active, its user active,
still that customer's, still without an address limit or a replacement), writes what the
two-statement path writes, and returns the fields of the answer. A token that no longer
meets them is no row and no write: it is forgotten, and the caller goes the usual way
(lookup, checks, write), which finds out why. So nothing remembered decides anything: a
token deleted, expired, limited, replaced or moved since, or a user deactivated since, is
refused or checked exactly as on its first use.
"""

import datetime
from dataclasses import dataclass
from typing import NoReturn
from uuid import UUID

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from common.db import prepared_cursor
from tenants import audit
from tenants.audit import Origin
from tenants.models import AuditEvent
from tokens.models import RegistrationToken, TokenMachine
from tokens.selectors import InvalidToken, token_by_digest

from ..authentication import new_secret, secret_digest
from ..models import Device
from . import registration_sql as sql
from .registration_outcomes import Machine, MachineTaken

# Lookup digest -> (customer id, schema name). Forgotten whole at this size (a fleet's
# tokens are few; a process seeing more than this many distinct ones loses only speed).
_KNOWN: dict[str, tuple[int, str]] = {}
KNOWN_LIMIT = 10_000


@dataclass(frozen=True)
class Registered:
    """What the API answers a registration (both ways of making one)."""

    agent_id: UUID
    secret: str
    created: bool
    tenant_slug: str
    tenant_uuid: UUID
    tenant_name: str
    owner_id: int
    owner_uuid: UUID
    owner_username: str
    plan_id: int | None
    plan_name: str


def remember(digest: str, token: RegistrationToken) -> None:
    """After a registration with a token looked up: the next one with it in one statement,
    if it needs no check in Python."""
    if not token.tenant.is_customer or token.allowed_networks or token.works_until is not None:
        return
    if len(_KNOWN) >= KNOWN_LIMIT:
        _KNOWN.clear()
    _KNOWN[digest] = (token.tenant_id, token.tenant.schema_name)


def forget_all() -> None:
    _KNOWN.clear()


def register_known(
    digest: str, machine: Machine, origin: Origin, proof: str | None
) -> Registered | None:
    """Register with a remembered token in one statement; None when the token is not
    remembered, or no longer usable without the usual lookup (then nothing was written)."""
    known = _KNOWN.get(digest)
    if known is None:
        return None
    tenant_id, schema = known
    now, secret = timezone.now(), new_secret()
    params = {
        "now": now,
        "lookup": digest,
        "tenant": tenant_id,
        "schema": schema,
        "agent_id": Device._meta.get_field("agent_id").get_default(),
        "hostname": machine.hostname,
        "os": machine.os,
        "machine_id": machine.machine_id,
        "agent_version": machine.agent_version,
        "day": now.astimezone(datetime.UTC).date(),
        "digest": secret_digest(secret),
        "proof": secret_digest(proof) if proof else None,
        "registered": AuditEvent.Action.DEVICE_REGISTER.value,
        "reregistered": AuditEvent.Action.DEVICE_REREGISTER.value,
        "refused": AuditEvent.Action.DEVICE_REGISTER_REFUSED.value,
        "repr": machine.hostname[:200],
        "source": origin.source,
        "ip": origin.ip_address,
    }
    with prepared_cursor() as cursor:
        cursor.execute(sql.known_token_sql(schema), params)
        row = cursor.fetchone()
    device_id, agent_id, _, created, used, refused, live, fresh, public_id, *answer = row
    if public_id is None:  # not usable without the lookup's checks (any more)
        _KNOWN.pop(digest, None)
        return None
    if device_id is None:  # refused
        if refused and not used:  # the machine is another account's: audited already
            raise MachineTaken
        # The failure paths, which read the token (the audit names it)
        not_registered(
            token_by_digest(digest),
            machine,
            origin,
            used=used,
            refused=refused,
            live=live,
            fresh=fresh,
        )
    owner_id, owner_uuid, username, plan_id, plan_name, slug, name, tenant_uuid = answer
    return Registered(
        agent_id=agent_id,
        secret=secret,
        created=created,
        tenant_slug=slug,
        tenant_uuid=tenant_uuid,
        tenant_name=name,
        owner_id=owner_id,
        owner_uuid=owner_uuid,
        owner_username=username,
        plan_id=plan_id,
        plan_name=plan_name,
    )


def not_registered(
    token: RegistrationToken | None,
    machine: Machine,
    origin: Origin,
    *,
    used: bool,
    refused: bool,
    live: bool,
    fresh: bool,
) -> NoReturn:
    """Raise what a registration statement that registered no device ends in."""
    if used and token is not None:  # registered by someone else after the statement's snapshot
        _refused_after_all(token, machine, origin, fresh=fresh)
    if used or refused:
        raise MachineTaken
    if live:  # active, but its use limit is reached: the same 401 as an unknown token
        raise InvalidToken(reason="used_up", token=token)
    raise InvalidToken(token=token)  # the token was deleted or expired a moment ago


def _refused_after_all(
    token: RegistrationToken, machine: Machine, origin: Origin, *, fresh: bool
) -> None:
    """The statement counted the token's use, then found the machine id taken by another
    account in the meantime (a device registered a moment after its snapshot): nothing
    else was written. Take the use (and the machine, if it was new) back and record the
    refusal (a rare race only)."""
    with transaction.atomic():
        taken_back = {"registrations": F("registrations") - 1}
        if fresh:
            TokenMachine.objects.filter(token=token, machine_id=machine.machine_id).delete()
            taken_back["machines"] = F("machines") - 1
        RegistrationToken.objects.filter(pk=token.pk).update(**taken_back)
        audit.record(
            actor=token.user,
            origin=origin,
            action=AuditEvent.Action.DEVICE_REGISTER_REFUSED,
            tenant=token.tenant,
            object_type="device",
            on_behalf_of=token.user,
            details={
                "token_id": str(token.public_id),
                "prefix": token.prefix,
                "machine_id": machine.machine_id,
                "hostname": machine.hostname[:200],
            },
        )
