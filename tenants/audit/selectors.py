"""Reading the audit log: the Management portal's Audit log page and the API's
`audit_events`, through one selector with one scope rule and one set of filters.

Every list is one index range: the level (`family` at All customers, `tenant` at a
customer), optionally one action or one initiator, newest first (see AuditEvent's
indexes); the time filters bound the same range.
"""

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from tenants.authorization import authorize
from tenants.models import AuditEvent, Tenant, User
from tenants.permissions import Action
from tenants.selectors import at_level

# Who may read a level's audit log: the same action as the Management portal's pages.
VIEW_AUDIT = Action.VIEW_MANAGEMENT

MSG_BAD_SINCE = "since must be an ISO 8601 time, e.g. 2026-12-01T08:00:00Z."
MSG_BAD_ACTION = "action must be one of the audit action codes."


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    user: str = ""  # the initiator's username (kept after the account is deleted)
    # Anyone involved, in any case: the initiator or the user acted for (the page's filter).
    involving: str = ""
    since: datetime.datetime | None = None  # inclusive
    until: datetime.datetime | None = None  # exclusive


def audit_events(*, actor: User, tenant: Tenant, filters: AuditFilter) -> QuerySet[AuditEvent]:
    """The level's events the filters select, newest first. Raises PermissionDenied
    unless the actor's role may see the audit log (the tenant is already in scope)."""
    authorize(actor, VIEW_AUDIT, tenant=tenant)
    events = AuditEvent.objects.filter(at_level(tenant, lineage="lineage")).select_related(
        "tenant", "on_behalf_of"
    )
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.user:
        events = events.filter(actor_name=filters.user)
    if filters.involving:
        acted_for = User.objects.filter(username__iexact=filters.involving).values("pk")
        events = events.filter(
            Q(actor_name__iexact=filters.involving) | Q(on_behalf_of__in=acted_for)
        )
    if filters.since is not None:
        events = events.filter(at__gte=filters.since)
    if filters.until is not None:
        events = events.filter(at__lt=filters.until)
    return events.order_by("-at", "-id")


def parse_time(raw: str) -> datetime.datetime | None:
    """An ISO 8601 time (a date alone is its midnight, a time without offset is UTC);
    None if it is not one. A `+` decoded from a query string as a space is put back."""
    text = raw.strip()
    if "T" in text:
        text = text.replace(" ", "+")
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            moment = None if day is None else datetime.datetime.combine(day, datetime.time())
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


# Defence in depth for every reader: keys that could hold a secret are dropped and any
# string shaped like a registration token value (seven groups of four) is masked, so an
# event written carelessly still shows at most two symbols.
SECRET_KEYS = frozenset(
    {"token", "value", "secret", "agent_secret", "password", "digest", "secret_digest"}
)
_TOKEN_LIKE = re.compile(
    r"(?<![0-9A-Za-z-])([0-9A-Za-z]{28}|[0-9A-Za-z]{4}(?:[- ][0-9A-Za-z]{4}){6})(?![0-9A-Za-z-])"
)


def _mask(match: re.Match) -> str:
    return match.group(1)[:2].upper() + "••-••••-…"


def safe_details(value: Any) -> Any:
    """`details` with secrets dropped or masked, recursively."""
    if isinstance(value, dict):
        return {k: safe_details(v) for k, v in value.items() if k.lower() not in SECRET_KEYS}
    if isinstance(value, list):
        return [safe_details(v) for v in value]
    if isinstance(value, str):
        return _TOKEN_LIKE.sub(_mask, value)
    return value


def api_details(event: AuditEvent) -> dict:
    """An event's details as the API shows them: its own, the object it concerns, and
    for a rolled-up event (a failed token use) how many times it happened."""
    details = safe_details(event.details)
    if event.object_type:
        details["object"] = {
            "type": event.object_type,
            "id": event.object_id or None,
            "name": safe_details(event.object_repr),
        }
    if event.rollup_key is not None:
        details["count"] = event.count
    return details
