"""Creating, renaming and moving tenants through the vendor's API v2, as its provisioning
scripts do: `POST /api/2/tenants` and `PUT /api/2/tenants/{tenant_id}`.

Both call the Management portal's services (`tenants.tree.child_create`,
`tenants.services.tenant_rename`, `tenants.tree.tenant_move`), so the rules of the tree
(which kind may stand where, a move within its own tree, names unique per level), the
role checks and the audit log are the console's. Every tenant named in a body is found
through the caller's scope: outside it is 404, like an id that does not exist.

A change carries the `version` the caller read (the database bumps it on every rename and
move): a tenant changed meanwhile is not overwritten, 409.
"""

from django.db import transaction
from rest_framework import serializers, status
from rest_framework.response import Response

from api.fields import StrictIntegerField
from tenants import services, tree
from tenants.models import Tenant

from .base import VendorAPIView
from .policies import Conflict
from .tenant_shapes import VendorTenant, tenant_of

MSG_VERSION = "The tenant has changed since version {sent}; it is at version {now}."
MSG_NOTHING = "Give name or parent_id."


class VendorTenantInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=Tenant.Kind.choices)
    parent_id = serializers.UUIDField()


class VendorTenantChange(serializers.Serializer):
    version = StrictIntegerField(min_value=1)
    name = serializers.CharField(max_length=100, required=False)
    parent_id = serializers.UUIDField(required=False)

    def validate(self, attrs):
        if "name" not in attrs and "parent_id" not in attrs:
            raise serializers.ValidationError(MSG_NOTHING)
        return attrs


def create(view: VendorAPIView) -> Response:
    """A new tenant under `parent_id`: 201 with the tenant."""
    data = VendorTenantInput(data=view.request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    actor = view.request.user
    parent = tenant_of(actor, str(values["parent_id"]))
    child = tree.child_create(
        actor=actor, parent=parent, kind=values["kind"], name=values["name"], origin=view.origin()
    )
    fresh = Tenant.objects.select_related("parent").get(pk=child.pk)
    return Response(VendorTenant(fresh).data, status=status.HTTP_201_CREATED)


@transaction.atomic
def change(view: VendorAPIView, tenant: Tenant) -> Response:
    """Rename and/or move `tenant` (already scoped), if still at the version sent."""
    data = VendorTenantChange(data=view.request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    actor = view.request.user
    locked = Tenant.objects.select_for_update(of=("self",)).select_related("parent")
    current = locked.get(pk=tenant.pk)
    if current.version != values["version"]:
        raise Conflict(MSG_VERSION.format(sent=values["version"], now=current.version))
    to = tenant_of(actor, str(values["parent_id"])) if "parent_id" in values else None
    name = values.get("name", "").strip()
    if name and name != current.name:
        current = services.tenant_rename(
            actor=actor, tenant=current, name=name, origin=view.origin()
        )
    if to is not None and to.pk != current.parent_id:
        current = tree.tenant_move(actor=actor, tenant=current, to=to, origin=view.origin())
    fresh = Tenant.objects.select_related("parent").get(pk=current.pk)
    return Response(VendorTenant(fresh).data)
