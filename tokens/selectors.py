"""Scoped reads of registration tokens."""

import datetime
import functools
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, F, Model, QuerySet
from django.http import Http404
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from common.db import prepared_cursor
from common.sorting import parse_sort
from tenants.models import Tenant, User
from tenants.permissions import Action, can
from tenants.selectors import at_level, tenants_visible_to

from . import values
from .models import NEVER_USED_LAST_ASC, NEVER_USED_LAST_DESC, RegistrationToken


class InvalidToken(Exception):
    """Unknown, expired, deleted or used up: deliberately indistinguishable to the caller.

    `reason` (a `tokens.failures.Reason`) and `token` (when known) are for the failure
    audit only, never for the answer. Without a reason, the audit works it out from the
    token (`failures.reason_of`)."""

    def __init__(self, reason: str | None = None, *, token: RegistrationToken | None = None):
        super().__init__(reason or "invalid token")
        self.reason = reason
        self.token = token


def token_by_value(text: str, *, now: datetime.datetime | None = None) -> RegistrationToken | None:
    """The active token a typed value names, with its tenant and user, or None (unknown,
    expired and deleted alike).

    Raises `values.MalformedToken` for a mistyped value before touching the database; a
    well-formed one costs one query on the unique digest index, whatever the number of
    tokens and tenants. Expiry is checked here, at use time, not by a cleanup job; so is
    the user: a deactivated user's tokens stop working with the account.

    Every agent request that carries a token starts here, so the statement is written once
    (from the models' fields) rather than built by the ORM on each call, which cost four
    times the query itself.
    """
    digest = values.digest(values.normalize(text))
    sql, parts = _token_lookup()
    with prepared_cursor() as cursor:  # every table schema-qualified: no search path
        cursor.execute(sql, [digest, now or timezone.now()])
        row = cursor.fetchone()
    if row is None:
        return None
    (t_names, t_at), (n_names, n_at), (u_names, u_at) = parts
    token = RegistrationToken.from_db(connection.alias, t_names, row[t_at[0] : t_at[1]])
    token.tenant = Tenant.from_db(connection.alias, n_names, row[n_at[0] : n_at[1]])
    token.user = User.from_db(connection.alias, u_names, row[u_at[0] : u_at[1]])
    return token


@functools.cache
def _token_lookup() -> tuple[str, list[tuple[list[str], tuple[int, int]]]]:
    """The lookup's SQL and, for the token, its tenant and its user in turn, the field
    names and their place in the row."""
    quote = connection.ops.quote_name
    public = quote(get_public_schema_name())
    columns: list[str] = []
    parts: list[tuple[list[str], tuple[int, int]]] = []
    models: tuple[tuple[type[Model], str], ...] = (
        (RegistrationToken, "t"),
        (Tenant, "n"),
        (User, "u"),
    )
    for model, alias in models:
        fields = model._meta.concrete_fields
        columns += [f"{alias}.{quote(f.column)}" for f in fields]
        parts.append(([f.attname for f in fields], (len(columns) - len(fields), len(columns))))
    sql = (
        f"SELECT {', '.join(columns)}"  # noqa: S608 - names from the models, quoted
        f" FROM {public}.{quote(RegistrationToken._meta.db_table)} t"
        f" JOIN {public}.{quote(Tenant._meta.db_table)} n ON n.id = t.tenant_id"
        f" JOIN {public}.{quote(User._meta.db_table)} u ON u.id = t.user_id"
        " WHERE t.digest = %s AND t.deleted_at IS NULL AND t.expires_at > %s AND u.is_active"
    )
    return sql, parts


def usable_token(text: str, *, now: datetime.datetime | None = None) -> RegistrationToken:
    """The active token a typed value names; raises InvalidToken (or MalformedToken)."""
    token = token_by_value(text, now=now)
    if token is None:
        # Only on the failure path (throttled per address): the token by its digest alone,
        # so the audit can tell expired and deleted from unknown, and name the customer.
        known = token_by_digest(values.digest(values.normalize(text)))
        raise InvalidToken(token=known)
    return token


def token_by_digest(digest: str) -> RegistrationToken | None:
    """Any token, usable or not, with this digest (one query on the unique index)."""
    return RegistrationToken.objects.select_related("tenant", "user").filter(digest=digest).first()


# Sort keys of the token lists, ascending and descending; each has an index of the
# partner's tokens (RegistrationToken.Meta), so a page at All customers is an index range.
TOKEN_SORTS: dict[str, tuple[Any, Any]] = {
    "created": (F("created_at"), F("created_at")),
    "expires": (F("expires_at"), F("expires_at")),
    "user": (F("user_username"), F("user_username")),
    "customer": (F("customer_name"), F("customer_name")),
    "registrations": (F("registrations"), F("registrations")),
    "machines": (F("machines"), F("machines")),
    "last_used": (NEVER_USED_LAST_ASC, NEVER_USED_LAST_DESC),
}


def tokens_active_for(
    *, actor: User, tenant: Tenant, sort: str = "-created"
) -> QuerySet[RegistrationToken]:
    """Active tokens at a level the actor was scoped to: a customer's, or at a partner
    ("All customers") every customer's. Users see only their own tokens. Used-up tokens and
    replaced ones in their grace period are listed too (they still work for something),
    so the lists and every count of active tokens (`active_token_counts`) agree."""
    tokens = RegistrationToken.objects.active().select_related(
        "user", "created_by", "tenant", "replaced_by"
    )
    tokens = tokens.filter(at_level(tenant, lineage="lineage"))
    if not can(actor, Action.VIEW_ALL_TOKENS):
        tokens = tokens.filter(user=actor)
    key, descending = parse_sort(sort, TOKEN_SORTS, "-created")
    ascending_key, descending_key = TOKEN_SORTS[key]
    if not descending:
        return tokens.order_by(ascending_key.asc(), "id")
    # "Last used" puts never-used tokens last either way (its key per direction).
    return tokens.order_by(descending_key.desc(), "-id")


def token_for(*, actor: User, token_id: str | uuid.UUID) -> RegistrationToken:
    """An active token the actor may see, by its public id; Http404 for anything else."""
    tokens = RegistrationToken.objects.active().select_related(
        "user", "created_by", "tenant", "replaced_by"
    )
    tokens = tokens.filter(tenant__in=tenants_visible_to(actor))
    if not can(actor, Action.VIEW_ALL_TOKENS):
        tokens = tokens.filter(user=actor)
    try:
        return tokens.get(public_id=token_id)
    except (RegistrationToken.DoesNotExist, ValidationError, ValueError):
        raise Http404("No such registration token.") from None


def active_token_counts(customers: list[Tenant]) -> dict[int, int]:
    """Per customer id: how many of its tokens are active."""
    rows = (
        RegistrationToken.objects.active()
        .filter(tenant__in=customers)
        .values("tenant_id")
        .annotate(n=Count("id"))
    )
    return {row["tenant_id"]: row["n"] for row in rows}


def active_token_total() -> int:
    """How many tokens can register a machine now, platform-wide (not deleted, expired or
    used up): one count statement, for the metrics gauge."""
    return RegistrationToken.objects.usable().count()


def replaced_in_grace(token: RegistrationToken) -> RegistrationToken | None:
    """The token `token` replaced, while its old value still works (its grace period)."""
    return RegistrationToken.objects.active().filter(replaced_by=token).first()
