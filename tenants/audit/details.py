"""An audit event's details in words, for the Audit log page.

The page reads the same dictionary the API answers (`selectors.api_details`), so whatever the
API shows about an event (a token's description, how many machines were unregistered, the
previous expiry, the token a reissue replaced) the page shows too. Secrets never reach it:
`api_details` drops or masks them, and a token is named by its two symbols ("AB••").
"""

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from common.datetimes import local_datetime
from tenants.models import ApiClient, AuditEvent, User

from .selectors import api_details

# How a failed token use's reason reads (the codes come from `tokens.failures.Reason`,
# which this layer cannot import; an unknown code is shown as it is).
REASON_LABELS = {
    "mistyped": gettext_lazy("mistyped"),
    "unknown": gettext_lazy("unknown token"),
    "expired": gettext_lazy("expired"),
    "deleted": gettext_lazy("deleted"),
    "user_inactive": gettext_lazy("user deactivated"),
    "used_up": gettext_lazy("used up"),
    "network_refused": gettext_lazy("refused by the address limit"),
}

# A recorded role code in the words of the pages (users' and API clients' roles).
ROLE_LABELS = {**dict(ApiClient.Role.choices), **dict(User.Role.choices)}

TOKEN_OBJECT = "registrationtoken"  # noqa: S105 - a model name, not a secret


def short_token(prefix: str) -> str:
    """A token as every list names it: its two symbols, then two dots."""
    return f"{prefix}••"


def _when(value) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else None
    return local_datetime(moment) if moment is not None else str(value)


def _count_parts(details: dict, event: AuditEvent) -> list[str]:
    parts = []
    if event.action == AuditEvent.Action.TOKEN_USE_FAILED:
        reason = details.get("reason", "")
        parts.append(str(REASON_LABELS.get(reason, reason)))
        if details.get("count", 1) > 1:
            parts.append(_("%(n)s times") % {"n": details["count"]})
    for key in ("machines_unregistered", "devices_unregistered"):
        if key in details:
            n = details[key]
            parts.append(
                ngettext("%(n)s machine unregistered", "%(n)s machines unregistered", n) % {"n": n}
            )
    return parts


def _token_parts(details: dict) -> list[str]:
    parts = []
    if details.get("replaces_prefix"):
        token = short_token(details["replaces_prefix"])
        parts.append(_("replaces token %(token)s") % {"token": token})
    if details.get("previous_expires_at"):
        when = _when(details["previous_expires_at"])
        parts.append(_("previous expiry %(when)s") % {"when": when})
    if details.get("expires_at"):
        parts.append(_("expires %(when)s") % {"when": _when(details["expires_at"])})
    if "previous_description" in details:
        before = details["previous_description"] or _("none")
        parts.append(_("previous description “%(text)s”") % {"text": before})
    if details.get("description"):
        parts.append(_("description “%(text)s”") % {"text": details["description"]})
    return parts


def _other_parts(details: dict) -> list[str]:
    parts = []
    if details.get("machine_id"):
        parts.append(_("machine %(id)s") % {"id": details["machine_id"]})
    if details.get("plan"):
        parts.append(_("plan %(name)s") % {"name": details["plan"]})
    if details.get("role"):
        role = details["role"]
        parts.append(_("role %(role)s") % {"role": ROLE_LABELS.get(role, role)})
    if details.get("from"):
        parts.append(_("renamed from “%(name)s”") % {"name": details["from"]})
    if details.get("fields"):
        parts.append(_("changed: %(fields)s") % {"fields": ", ".join(map(str, details["fields"]))})
    return parts


def describe(event: AuditEvent) -> str:
    """The details a person needs in the list, in words, from what the API shows."""
    details = api_details(event)
    parts = _count_parts(details, event) + _token_parts(details) + _other_parts(details)
    return ", ".join(parts)


def object_label(event: AuditEvent) -> str:
    """The Object column: a token by its two symbols (not the 34-character mask that wrapped
    over seven lines), anything else by the name recorded."""
    details = api_details(event)
    if event.object_type == TOKEN_OBJECT and details.get("prefix"):
        return short_token(details["prefix"])
    return (details.get("object") or {}).get("name") or ""
