"""Scoped reads of registration tokens."""

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db.models import Count, F, QuerySet
from django.http import Http404

from tenants.models import Tenant, User
from tenants.permissions import Action, can
from tenants.selectors import at_level, tenants_visible_to
from tenants.sorting import parse_sort

from . import values
from .models import RegistrationToken


class InvalidToken(Exception):
    """Unknown, expired or deleted: deliberately indistinguishable to the caller."""


def token_by_value(text: str, *, now: datetime.datetime | None = None) -> RegistrationToken | None:
    """The active token a typed value names, or None (unknown, expired and deleted alike).

    Raises `values.MalformedToken` for a mistyped value before touching the database; a
    well-formed one costs one query on the unique digest index, whatever the number of
    tokens and tenants. Expiry is checked here, at use time, not by a cleanup job; so is
    the user: a deactivated user's tokens stop working with the account.
    """
    normalized = values.normalize(text)
    found = (
        RegistrationToken.objects.active(now)
        .select_related("tenant", "user")
        .filter(digest=values.digest(normalized), user__is_active=True)
        # No ORDER BY (first() would add the model's): the unique digest index answers alone,
        # whereas an ordered LIMIT 1 may walk a creation-time index instead.
        .order_by()[:1]
    )
    return next(iter(found), None)


def usable_token(text: str, *, now: datetime.datetime | None = None) -> RegistrationToken:
    """The active token a typed value names; raises InvalidToken (or MalformedToken)."""
    token = token_by_value(text, now=now)
    if token is None:
        raise InvalidToken
    return token


TOKEN_SORTS = {
    "created": "created_at",
    "expires": "expires_at",
    "user": "user__username",
    "customer": "tenant__name",
    "registrations": "registrations",
    "last_used": "last_used_at",
}


def tokens_active_for(
    *, actor: User, tenant: Tenant, sort: str = "-created"
) -> QuerySet[RegistrationToken]:
    """Active tokens at a level the actor was scoped to: a customer's, or at a partner
    ("All customers") every customer's. Users see only their own tokens."""
    tokens = RegistrationToken.objects.active().select_related("user", "created_by", "tenant")
    tokens = tokens.filter(at_level(tenant))
    if not can(actor, Action.VIEW_ALL_TOKENS):
        tokens = tokens.filter(user=actor)
    key, descending = parse_sort(sort, TOKEN_SORTS, "-created")
    field = TOKEN_SORTS[key]
    if not descending:
        return tokens.order_by(F(field).asc(), "id")
    # Only "last used" can be empty; the others keep the order their indexes have, so the
    # default (newest first) is an index range, not a sort of every token.
    column = F(field).desc(nulls_last=True) if field == "last_used_at" else F(field).desc()
    return tokens.order_by(column, "-id")


def token_for(*, actor: User, token_id: str | uuid.UUID) -> RegistrationToken:
    """An active token the actor may see, by its public id; Http404 for anything else."""
    tokens = RegistrationToken.objects.active().select_related("user", "created_by", "tenant")
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
