"""API clients: scripts of a partner or a customer that call the REST API with an OAuth 2.0
access token (client credentials, see `tenants.api_clients.oauth`).

A client acts at one level of the tree (a partner's or folder's All customers, a customer,
a unit) with one role (administrator or read-only administrator). Its requests are made by
a *principal*: an unsaved `User` with that tenant and the matching account role, so the role map
(`tenants.permissions`), the scope (`tenants.selectors`) and every service check it exactly
as they check a person, through the same code. It has no account of its own: its audit
events name it "API client <name>" and tokens it generates are made on behalf of the user it
names.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_access_token_model, get_application_model

from tenants import audit
from tenants.audit import Origin
from tenants.authorization import authorize
from tenants.models import ApiClient, AuditEvent, Tenant, User
from tenants.permissions import Action

MAX_NAME = 100
MSG_NAME = gettext_noop("Enter a name of at most 100 characters.")
MSG_NAME_TAKEN = gettext_noop("An API client with this name already exists at this level.")
MSG_ROLE = gettext_noop("role must be administrator or read_only_administrator.")
# How often a client's "last used" time is written at most (one UPDATE a minute, not one
# a request).
LAST_USED_EVERY = datetime.timedelta(seconds=60)

# The account role a client's principal has: its role at its level. A partner's or a
# folder's client is a partner administrator of that subtree (the scope, `tenants.selectors`,
# stops it at its level), a customer's a company administrator, a unit's a unit administrator.
_ROLES: dict[tuple[str, str], str] = {
    (Tenant.Kind.PARTNER, ApiClient.Role.ADMINISTRATOR): User.Role.PARTNER_ADMIN,
    (Tenant.Kind.FOLDER, ApiClient.Role.ADMINISTRATOR): User.Role.PARTNER_ADMIN,
    (Tenant.Kind.CUSTOMER, ApiClient.Role.ADMINISTRATOR): User.Role.COMPANY_ADMIN,
    (Tenant.Kind.UNIT, ApiClient.Role.ADMINISTRATOR): User.Role.UNIT_ADMIN,
}


def principal_role(tenant: Tenant, role: str) -> str:
    """The account role of a client with `role` at `tenant`: read-only at any level is a
    read-only administrator of that level's subtree."""
    if role == ApiClient.Role.READ_ONLY_ADMINISTRATOR:
        return User.Role.READONLY_ADMIN
    return _ROLES[(tenant.kind, role)]


def actor_name(client: ApiClient) -> str:
    """How the audit log and lists name the client. Stored as written (like a username), so
    not translated: `?user=` finds it whatever the language of the request that wrote it."""
    return f"API client {client.name}"


def principal(client: ApiClient) -> User:
    """The actor a client's request is made by (never saved): the client's tenant, the
    account role of its role at that level, and `api_client` set. Like every administrator
    it covers its level's subtree (a reseller's client its sub-partners, folders, customers
    and units; a unit's its unit and the units below); a read-only client may change
    nothing. `partner_level`: whether it acts at an "All customers" level (partner or
    folder)."""
    tenant = client.tenant
    user = User(
        username=actor_name(client),
        tenant=tenant,
        role=principal_role(tenant, client.role),
        is_active=True,
    )
    user.family = tenant.family
    user.api_client = client  # type: ignore[attr-defined]
    user.partner_level = tenant.is_partner  # type: ignore[attr-defined]
    return user


def client_of(actor: object) -> ApiClient | None:
    """The API client acting, if `actor` is a client's principal."""
    return getattr(actor, "api_client", None)


def account_of(actor: User) -> User | None:
    """The account to record as creator: None for a client (it has none)."""
    return None if client_of(actor) is not None else actor


def touch(client: ApiClient) -> None:
    """Record that the client was used now (at most once a minute)."""
    now = timezone.now()
    if client.last_used_at is None or now - client.last_used_at >= LAST_USED_EVERY:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now


@dataclass(frozen=True)
class IssuedClient:
    """A new client and its secret. The secret is stored hashed: show it once, then drop it."""

    client: ApiClient
    client_secret: str

    @property
    def client_id(self) -> str:
        return self.client.application.client_id


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationError({"name": _(MSG_NAME)})
    return name


def api_client_create(
    *, actor: User, tenant: Tenant, name: str, role: str, origin: Origin
) -> IssuedClient:
    """A client acting at `tenant` (a partner: its All customers) with `role`."""
    authorize(actor, Action.MANAGE_API_CLIENTS, tenant=tenant)
    name = _name(name)
    if role not in ApiClient.Role.values:
        raise ValidationError({"role": _(MSG_ROLE)})
    if ApiClient.objects.filter(tenant=tenant, name=name).exists():
        raise ValidationError({"name": _(MSG_NAME_TAKEN)})
    secret = generate_client_secret()
    Application = get_application_model()  # noqa: N806 - a model class
    with transaction.atomic():
        application = Application(
            name=f"{tenant.slug}: {name}"[:255],
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            client_secret=secret,
            hash_client_secret=True,
        )
        application.save()
        client = ApiClient.objects.create(
            name=name,
            tenant=tenant,
            role=role,
            application=application,
            created_by=account_of(actor),
            created_by_name=actor.username,
        )
        audit.record(
            actor=actor,
            origin=origin,
            action=AuditEvent.Action.API_CLIENT_CREATE,
            tenant=tenant,
            obj=client,
            object_type="api_client",
            details={"role": role, "client_id": application.client_id},
        )
    return IssuedClient(client=client, client_secret=secret)


def api_client_delete(*, actor: User, client: ApiClient, origin: Origin) -> None:
    """Delete the client: its credentials and every access token it holds go with it, so
    its next request is refused."""
    authorize(actor, Action.MANAGE_API_CLIENTS, tenant=client.tenant)
    with transaction.atomic():
        audit.record(
            actor=actor,
            origin=origin,
            action=AuditEvent.Action.API_CLIENT_DELETE,
            tenant=client.tenant,
            obj=client,
            object_type="api_client",
            details={"client_id": client.application.client_id},
        )
        # The application's deletion cascades to the client and its access tokens.
        client.application.delete()


def api_client_reset_secret(*, actor: User, client: ApiClient, origin: Origin) -> IssuedClient:
    """A new secret for the client (shown once, like at creation). The old one stops at
    once, and so do the access tokens it obtained: whoever held it holds nothing now."""
    authorize(actor, Action.MANAGE_API_CLIENTS, tenant=client.tenant)
    secret = generate_client_secret()
    application = client.application
    with transaction.atomic():
        application.client_secret = secret  # hashed on save (hash_client_secret)
        application.save(update_fields=["client_secret", "updated"])
        tokens = get_access_token_model().objects.filter(application=application)
        revoked = tokens.count()
        tokens.delete()
        audit.record(
            actor=actor,
            origin=origin,
            action=AuditEvent.Action.API_CLIENT_RESET_SECRET,
            tenant=client.tenant,
            obj=client,
            object_type="api_client",
            details={"client_id": application.client_id, "access_tokens_revoked": revoked},
        )
    return IssuedClient(client=client, client_secret=secret)


def api_clients_delete(*, actor: User, clients: Iterable[ApiClient], origin: Origin) -> list[str]:
    """Delete several clients (each checked and audited as one deletion): their names."""
    names = []
    for client in clients:
        api_client_delete(actor=actor, client=client, origin=origin)
        names.append(client.name)
    return names
