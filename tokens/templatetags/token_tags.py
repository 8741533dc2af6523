"""How lists show a token's use: "3 of 5 machines" (limited) or "3 machines" (reusable)."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.moments import exact

from ..models import RegistrationToken

register = template.Library()


@register.filter
def machines_text(token: RegistrationToken) -> str:
    n = token.machines
    if token.max_machines is None:
        return ngettext("%(n)d machine", "%(n)d machines", n) % {"n": n}
    return ngettext("%(n)d of %(max)d machine", "%(n)d of %(max)d machines", token.max_machines) % {
        "n": n,
        "max": token.max_machines,
    }


@register.filter
def registrations_text(token: RegistrationToken) -> str:
    n = token.registrations
    return ngettext("%(n)d registration", "%(n)d registrations", n) % {"n": n}


@register.filter
def use_text(token: RegistrationToken) -> str:
    """The machines column of the lists: "Used up (2 of 2 machines)" once the use limit is
    reached (the token still applies and revokes its plan, and can be deleted), else the
    plain count."""
    if token.used_up:
        return _("Used up (%(machines)s)") % {"machines": machines_text(token)}
    return machines_text(token)


@register.filter
def replaced_text(token: RegistrationToken) -> str:
    """A replaced token in its grace period: "Replaced; works until <exact time>"."""
    if token.works_until is None:
        return ""
    return _("Replaced; works until %(when)s") % {"when": exact(token.works_until)}


@register.filter
def exact_moment(moment) -> str:
    """A moment as the messages say it: "Dec. 8, 2026, 12:45 a.m. UTC"."""
    return exact(moment) if moment else ""
