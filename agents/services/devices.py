"""Unregistering devices: from the console, by the agent itself, or with their owner.

An unregistered device is deleted (the audit log keeps the event) and its agent's secret
stops working at once.
"""

from django.db import transaction
from django.db.models import Q, QuerySet
from django_tenants.utils import tenant_context

from tenants import audit
from tenants.audit import Origin
from tenants.authorization import authorize
from tenants.models import AuditEvent, Tenant, User
from tenants.permissions import Action
from tokens.models import AgentCredential, RegistrationToken, TokenMachine

from ..authentication import Agent
from ..directory import services as directory
from ..models import Device
from .registration import AgentGone


def _remove(
    *, tenant: Tenant, device: Device, actor: User, origin: Origin, secret_digest: str = ""
) -> None:
    """The device row is locked first (plan changes and re-registrations lock it too), so a
    change under way finishes before and nothing can link to the device while it goes; a
    device removed meanwhile is a no-op.

    With `secret_digest` (an agent's own request), the credential is deleted only while it
    still has that digest, in the one statement that removes it: a re-registration that
    replaced the secret after the agent was authenticated leaves the device in place
    (AgentGone), as the old secret no longer speaks for it."""
    with tenant_context(tenant), transaction.atomic():
        if not Device.objects.select_for_update().filter(pk=device.pk).exists():
            return
        credentials = AgentCredential.objects.filter(tenant=tenant, device_id=device.pk)
        if secret_digest:
            removed, _ = credentials.filter(secret_digest=secret_digest).delete()
            if not removed:
                raise AgentGone
        else:
            credentials.delete()
        directory.entries_delete(tenant, [device.pk])
        audit.record(
            actor=actor,
            origin=origin,
            action=AuditEvent.Action.DEVICE_UNREGISTER,
            tenant=tenant,
            obj=device,
        )
        Device.objects.filter(pk=device.pk).delete()


def device_unregister(*, actor: User, tenant: Tenant, device: Device, origin: Origin) -> None:
    """Unregister a device from the console (an administrator's action)."""
    authorize(actor, Action.UNREGISTER_DEVICES, tenant=tenant)
    _remove(tenant=tenant, device=device, actor=actor, origin=origin)


def agent_unregister(*, agent: Agent, origin: Origin) -> None:
    """An agent unregisters its own device: its credential is the authorization, checked
    again as it is removed (AgentGone if a re-registration replaced it meanwhile)."""
    _remove(
        tenant=agent.tenant,
        device=agent.device,
        actor=agent.device.owner,
        origin=origin,
        secret_digest=agent.credential.secret_digest,
    )


def devices_unregister_of_user(*, actor: User, user: User, origin: Origin) -> int:
    """The devices step of deleting a user: unregister every device they own, in the user's
    customer schema; returns how many. Runs in the caller's transaction, after the caller
    revoked the user's tokens (so no registration can add a device meanwhile)."""
    tenant = user.tenant
    if tenant is None:  # a platform account owns no device
        return 0
    authorize(actor, Action.MANAGE_USERS, tenant=tenant)
    with tenant_context(tenant):
        device_ids = list(Device.objects.filter(owner=user).values_list("pk", flat=True))
        AgentCredential.objects.filter(tenant=tenant, device_id__in=device_ids).delete()
        directory.entries_delete(tenant, device_ids)
        Device.objects.filter(pk__in=device_ids).delete()
    return len(device_ids)


def _registered_by(token: RegistrationToken) -> QuerySet[Device]:
    """The devices of the token's customer it registered: the machines it counted, and
    (for tokens older than that count) the devices whose last registration it was."""
    machine_ids = TokenMachine.objects.filter(token=token).values_list("machine_id", flat=True)
    return Device.objects.filter(
        Q(machine_id__in=list(machine_ids)) | Q(registered_token_id=token.public_id)
    )


class TokenDevices:
    """`tokens.machines.TokenDevices`, installed by AgentsConfig.ready."""

    def count(self, token: RegistrationToken) -> int:
        with tenant_context(token.tenant):
            return _registered_by(token).count()

    def unregister(self, token: RegistrationToken) -> int:
        """The devices step of "Delete and unregister its machines": runs in the caller's
        transaction after it revoked the token (holding its row, so no registration with
        it can add a device meanwhile); locks the devices, as every unregister does."""
        tenant = token.tenant
        with tenant_context(tenant):
            devices = _registered_by(token).select_for_update().order_by("pk")
            device_ids = list(devices.values_list("pk", flat=True))
            AgentCredential.objects.filter(tenant=tenant, device_id__in=device_ids).delete()
            directory.entries_delete(tenant, device_ids)
            Device.objects.filter(pk__in=device_ids).delete()
        return len(device_ids)
