"""How lists show a token's use: "3 of 5 machines" (limited) or "3 machines" (reusable)."""

from django import template
from django.utils.translation import ngettext

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
