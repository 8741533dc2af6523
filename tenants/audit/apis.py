"""REST API: the audit log for SIEM and PSA tools.

`GET /api/v1/tenants/{tenant_id}/audit_events?action=&user=&since=` lists the level's events
newest first, with the Management portal's rules: a tenant outside the caller's scope is
404 (`TenantScopedAPIView`), a role without the audit log (a plain user) is 403, and a
partner's All customers level holds every customer's events. Cursor pages (`?limit=`,
`?cursor=`) stay in place while events are added.
"""

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers

from api.pagination import PAGE_PARAMETERS, items, paginated
from tenants.mixins import TenantScopedAPIView
from tenants.models import AuditEvent

from .selectors import (
    MSG_BAD_ACTION,
    MSG_BAD_SINCE,
    AuditFilter,
    api_details,
    audit_events,
    parse_time,
)

# Initiator names written when no account acted: a command without a user, an agent
# presenting a token that failed.
NO_ACCOUNT = frozenset({"system", "anonymous"})


class AuditPerson(serializers.Serializer):
    id = serializers.CharField(allow_null=True, help_text="Null once the account is deleted.")
    uuid = serializers.UUIDField(
        required=False, help_text="On behalf of: the user's id in the vendor API v2."
    )
    username = serializers.CharField()


class AuditClientRef(serializers.Serializer):
    id = serializers.CharField(help_text="The API client's id (kept after it is deleted).")


class AuditActor(AuditPerson):
    api_client = AuditClientRef(
        required=False,
        help_text="Only when an API client acted: then `id` is null and `username` reads "
        '"API client <name>".',
    )


class AuditTenantRef(serializers.Serializer):
    id = serializers.CharField(help_text="The tenant's identifier.")
    uuid = serializers.UUIDField(help_text="The tenant's id in the vendor API v2.")
    name = serializers.CharField()


class AuditActionRef(serializers.Serializer):
    code = serializers.ChoiceField(choices=AuditEvent.Action.choices)
    label = serializers.CharField(help_text="As the audit log shows it.")


class AuditEventItem(serializers.Serializer):
    id = serializers.CharField()
    at = serializers.DateTimeField(help_text="When it happened (the first time, if rolled up).")
    action = serializers.SerializerMethodField()
    actor = serializers.SerializerMethodField()
    on_behalf_of = serializers.SerializerMethodField()
    tenant = serializers.SerializerMethodField()
    source = serializers.ChoiceField(choices=AuditEvent.Source.choices)
    client_address = serializers.IPAddressField(source="ip_address", allow_null=True)
    details = serializers.SerializerMethodField()

    @extend_schema_field(AuditActionRef)
    def get_action(self, event) -> dict:
        return {"code": event.action, "label": str(event.get_action_display())}

    @extend_schema_field(AuditActor(allow_null=True))
    def get_actor(self, event) -> dict | None:
        if event.actor_client_id is not None:
            client = {"id": str(event.actor_client_id)}
            return {"id": None, "username": event.actor_name, "api_client": client}
        if event.actor_id is None and event.actor_name in NO_ACCOUNT:
            return None
        if event.actor_id is None:  # the account is deleted: its name only
            return {"id": None, "username": event.actor_name}
        return {
            "id": str(event.actor_id),
            "uuid": str(event.actor.uuid),
            "username": event.actor_name,
        }

    @extend_schema_field(AuditPerson(allow_null=True))
    def get_on_behalf_of(self, event) -> dict | None:
        user = event.on_behalf_of
        if user is None:
            return None
        return {"id": str(user.pk), "uuid": str(user.uuid), "username": user.username}

    @extend_schema_field(AuditTenantRef(allow_null=True))
    def get_tenant(self, event) -> dict | None:
        tenant = event.tenant
        return (
            None
            if tenant is None
            else {"id": tenant.slug, "uuid": str(tenant.uuid), "name": tenant.name}
        )

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_details(self, event) -> dict:
        return api_details(event)


FILTER_PARAMETERS = [
    OpenApiParameter(
        "action", str, enum=AuditEvent.Action.values, description="Only this action (400 else)."
    ),
    OpenApiParameter("user", str, description="Only events this username initiated."),
    OpenApiParameter(
        "since",
        str,
        description="ISO 8601 time, e.g. 2026-12-01T08:00:00Z (no offset: UTC). 400 if not one.",
    ),
]

DETAILS = (
    "Each item's `details` holds what the event recorded (tokens only as `token_id` and the "
    "two-symbol `prefix`), plus `object` (`type`, `id`, `name`) when it concerns one, and "
    "`count` for a rolled-up event: `token.use_failed` is one event per reason, client "
    "address, token and minute, with `reason` (mistyped, unknown, expired, deleted, "
    "user_inactive, used_up, network_refused) and `last_at`."
)


def filters_from(params) -> AuditFilter:
    action, raw_since = params.get("action", ""), params.get("since", "")
    if action and action not in AuditEvent.Action.values:
        raise ValidationError({"action": MSG_BAD_ACTION})
    since = parse_time(raw_since) if raw_since else None
    if raw_since and since is None:
        raise ValidationError({"since": MSG_BAD_SINCE})
    return AuditFilter(action=action, user=params.get("user", "")[:150], since=since)


class AuditEventListApi(TenantScopedAPIView):
    @extend_schema(
        summary="Audit events of a level, newest first",
        description=DETAILS,
        parameters=[*FILTER_PARAMETERS, *PAGE_PARAMETERS],
        # 400, 403 and 404 come from api.openapi, in the one error shape.
        responses={200: items(AuditEventItem, "AuditEventList")},
    )
    def get(self, request, tenant_id):
        filters = filters_from(request.query_params)
        events = audit_events(actor=request.user, tenant=self.tenant, filters=filters)
        events = events.select_related("actor")  # its UUID, in the same query
        return paginated(self, events, AuditEventItem, ordering=("-at", "-id"))
