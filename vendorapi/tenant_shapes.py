"""How the vendor's API v2 shows a tenant, and finds one by its id in the caller's scope."""

from django.http import Http404
from rest_framework import serializers

from api.fields import StrictIntegerField
from tenants.models import Tenant, User
from tenants.selectors import tenant_for

from .ids import as_uuid


class VendorTenant(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Tenant.Kind.choices)
    parent_id = serializers.UUIDField(source="parent.uuid", allow_null=True, default=None)
    has_children = serializers.BooleanField()
    enabled = serializers.SerializerMethodField()
    version = StrictIntegerField()

    def get_enabled(self, tenant) -> bool:
        return True  # this portal has no disabled tenants


class VendorTenantList(serializers.Serializer):
    items = VendorTenant(many=True)


def tenant_of(actor: User, tenant_id: str) -> Tenant:
    """The tenant with this UUID in the actor's scope; Http404 otherwise."""
    key = as_uuid(tenant_id)
    slug = key and Tenant.objects.filter(uuid=key).values_list("slug", flat=True).first()
    if not slug:
        raise Http404("No such tenant.")
    return tenant_for(actor=actor, tenant_id=slug)
