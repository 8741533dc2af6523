"""An agent's own credential: `Authorization: Bearer <agent_secret>`.

The secret is issued once at registration and kept as a SHA-256 digest in the public schema
(`tokens.AgentCredential`), so one indexed query finds the agent's tenant before its
schema is selected.
"""

import datetime
import hashlib
import secrets
import uuid
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from tenants.models import Tenant
from tokens.models import AgentCredential

from .directory import services as directory
from .models import Device

MSG_INVALID_SECRET = "The agent credential is not valid."  # noqa: S105


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    """256 random bits; the `agt_` prefix makes a leaked secret easy to spot in a scanner."""
    return "agt_" + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Agent:
    """An authenticated agent: its credential, tenant and device (connection set to it)."""

    credential: AgentCredential
    tenant: Tenant
    device: Device

    # DRF treats the authenticated principal like a user.
    is_authenticated = True


def bearer_secret(request) -> str | None:
    """The secret of an `Authorization: Bearer <secret>` header, if there is one."""
    scheme, _, secret = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip() or None


def agent_for_secret(secret: str) -> Agent | None:
    """The agent a Bearer secret belongs to, with the connection pointed at its tenant;
    None for an unknown secret, and while the device's owner is deactivated (one query
    joins the owner, so this costs nothing more)."""
    credential = (
        AgentCredential.objects.select_related("tenant")
        .filter(secret_digest=secret_digest(secret))
        .first()
    )
    if credential is None:
        return None
    connection.set_tenant(credential.tenant)
    device = (
        Device.objects.select_related("owner")
        .filter(pk=credential.device_id, owner__is_active=True)
        .first()
    )
    if device is None:
        return None
    _seen(credential.tenant, device)
    return Agent(credential=credential, tenant=credential.tenant, device=device)


def agent_in_tenant(tenant: Tenant, agent_id: str) -> Agent | None:
    """The registered agent with this instance id (the `agent_id` registration returned) in
    `tenant`, with the connection pointed at it; None for any other id. For callers that
    name an agent by its id rather than its secret (the vendor API v2's plan changes); the
    device is not marked as seen, the agent did not call."""
    try:
        instance = uuid.UUID(str(agent_id))
    except ValueError:
        return None
    credential = AgentCredential.objects.filter(tenant=tenant, agent_id=instance).first()
    if credential is None:
        return None
    credential.tenant = tenant
    connection.set_tenant(tenant)
    device = (
        Device.objects.select_related("owner")
        .filter(pk=credential.device_id, owner__is_active=True)
        .first()
    )
    if device is None:
        return None
    return Agent(credential=credential, tenant=tenant, device=device)


# "Last seen" is a minute's precision: an agent calling every second writes once a minute.
SEEN_PRECISION = datetime.timedelta(minutes=1)


def _seen(tenant: Tenant, device: Device) -> None:
    now = timezone.now()
    if device.last_seen_at is not None and now - device.last_seen_at < SEEN_PRECISION:
        return
    with transaction.atomic():
        Device.objects.filter(pk=device.pk).update(last_seen_at=now)
        directory.entries_seen(tenant, device.pk, now)
    device.last_seen_at = now


class AgentSecretAuthentication(BaseAuthentication):
    """`Authorization: Bearer <agent_secret>`; the request's user is the Agent."""

    def authenticate(self, request):
        secret = bearer_secret(request)
        if secret is None:
            return None
        agent = agent_for_secret(secret)
        if agent is None:
            raise AuthenticationFailed(MSG_INVALID_SECRET)
        return agent, agent.credential

    def authenticate_header(self, request):
        return 'Bearer realm="agents"'


class AgentSecretScheme(OpenApiAuthenticationExtension):
    """Documents the agent credential in the OpenAPI schema."""

    target_class = AgentSecretAuthentication
    name = "agentSecret"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The agent_secret from registration.",
        }
