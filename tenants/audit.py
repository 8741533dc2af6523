"""Writing audit events. Callers run inside the transaction of the change they record."""

from dataclasses import dataclass

from .models import AuditEvent, Tenant
from .net import client_address


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
