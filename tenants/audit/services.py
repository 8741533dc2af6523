"""Writing audit events. Callers run inside the transaction of the change they record."""

from dataclasses import dataclass

from django.db import connection
from django.utils import timezone
from psycopg.types.json import Jsonb

from common.net import client_address
from tenants.models import AuditEvent, Tenant


@dataclass(frozen=True)
class Origin:
    """Where a change came from: the entry point and, for web requests, the client address."""

    source: str
    ip_address: str | None = None

    @classmethod
    def from_request(cls, request, source: str) -> "Origin":
        return cls(source=source, ip_address=client_address(request) or None)


CLI = Origin(source=AuditEvent.Source.CLI)


def record(
    *,
    actor,
    origin: Origin,
    action: AuditEvent.Action,
    tenant: Tenant | None,
    obj=None,
    object_type: str = "",
    on_behalf_of=None,
    details: dict | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=getattr(actor, "username", "") or "system",
        # An API client's principal has no account: the client is named instead.
        actor_client_id=getattr(getattr(actor, "api_client", None), "pk", None),
        on_behalf_of=on_behalf_of,
        tenant=tenant,
        family=tenant.family if tenant is not None else None,
        action=action,
        object_type=object_type or (obj._meta.model_name if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        details=details or {},
        source=origin.source,
        ip_address=origin.ip_address,
    )


def record_rollup(
    *,
    key: str,
    origin: Origin,
    action: AuditEvent.Action,
    tenant: Tenant | None,
    object_type: str,
    object_id: str = "",
    object_repr: str = "",
    on_behalf_of=None,
    details: dict | None = None,
    actor_name: str = "anonymous",
) -> None:
    """Count one more occurrence of a repeated event (a failed token use): the first one
    inserts an event with `rollup_key` = `key`, later ones add to its `count` and replace
    its `details` (which carry the latest time). One statement, safe under concurrency, so
    a flood of the same failure is one row, not one row per request."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    now = timezone.now()
    details = {**(details or {}), "last_at": now.isoformat()}
    sql = (
        f"INSERT INTO {table} (at, family, actor_id, actor_name, on_behalf_of_id, tenant_id,"  # noqa: S608 - the model's table
        " action, object_type, object_id, object_repr, details, source, ip_address, count,"
        " rollup_key) VALUES (%s, %s, NULL, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 1, %s)"
        " ON CONFLICT (rollup_key) WHERE rollup_key IS NOT NULL DO UPDATE SET"
        f" count = {table}.count + 1, details = EXCLUDED.details"
    )
    params = [
        now,
        tenant.family if tenant is not None else None,
        actor_name,
        on_behalf_of.pk if on_behalf_of is not None else None,
        tenant.pk if tenant is not None else None,
        action.value,
        object_type,
        object_id,
        object_repr[:200],
        Jsonb(details),
        origin.source,
        origin.ip_address,
        key[:200],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
