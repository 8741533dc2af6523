"""The vendor's ids: tenants and users by stable UUID, and a user's "personal tenant".

A path's `tenant_id` is a tenant's UUID or a user's personal tenant id (the vendor's
scripts create tokens at `tenants/{personal_tenant_id}`). Either way the tenant is then
reached through `tenants.selectors.tenant_for`, the one scope rule: out of scope is 404,
exactly like an id that does not exist.
"""

import uuid
from dataclasses import dataclass

from django.http import Http404

from tenants.models import Tenant, User
from tenants.permissions import Action, can
from tenants.selectors import tenant_for


@dataclass(frozen=True)
class Place:
    """Where a path's tenant id leads: the tenant, and the user whose personal tenant it
    named (None for a tenant's own id)."""

    tenant: Tenant
    person: User | None


def as_uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def place_for(*, actor: User, tenant_id: str) -> Place:
    """The tenant a path names, in the actor's scope; Http404 otherwise. Another user's
    personal tenant is reached by those who may see every user of its tenant only."""
    key = as_uuid(tenant_id)
    if key is None:
        raise Http404("No such tenant.")
    slug = Tenant.objects.filter(uuid=key).values_list("slug", flat=True).first()
    if slug is not None:
        return Place(tenant=tenant_for(actor=actor, tenant_id=slug), person=None)
    person = (
        User.objects.select_related("tenant")
        .filter(personal_tenant_uuid=key, is_active=True, tenant__isnull=False)
        .first()
    )
    if person is None or person.tenant is None:
        raise Http404("No such tenant.")
    tenant = tenant_for(actor=actor, tenant_id=person.tenant.slug)
    if person.pk != actor.pk and not can(actor, Action.VIEW_ALL_USERS):
        raise Http404("No such tenant.")
    return Place(tenant=tenant, person=person)


def tenant_uuid_of(user: User) -> str | None:
    return str(user.tenant.uuid) if user.tenant_id and user.tenant else None
