"""The Customers page's rows, prepared once for the page rather than worked out by the
template row by row.

A partner's page shows 50 tenants where a leaf customer's shows itself: what a row costs is
what the page costs. The template engine's own work per row (two URL reversals, three date
formats of one moment, a lazily translated kind, a translated "Move …" label) was most of
it; here the URLs are reversed once and filled in per row, the kind labels and the label's
wording translated once, each moment converted to local time once and each day written
once. Reads nothing: the page's tenants (with their parents) are already in hand.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import Tenant

# A slug no tenant has, standing for each row's in a URL reversed once for the page.
_SLUG = "0-slug-0"


def url_with_slug(name: str, *before: str) -> Callable[[str], str]:
    """`reverse(name, args=[*before, slug])` for any slug, reversing once: slugs are URL-safe
    as they are ([-a-zA-Z0-9_]), so the placeholder is replaced as it is."""
    pattern = reverse(name, args=[*before, _SLUG])
    head, tail = pattern.split(_SLUG, 1)
    return lambda slug: f"{head}{slug}{tail}"


@dataclass(frozen=True, slots=True)
class LevelRow:
    tenant: Tenant
    url: str
    kind: str
    parent: str
    created_iso: str
    created_exact: str  # the date and time, on hover
    created: str
    move_url: str  # "" where the viewer may not move it
    move_label: str


def level_rows(tenants: Iterable[Tenant], level: Tenant, movable: set[int]) -> list[LevelRow]:
    """One row per tenant of the page at `level`; `movable` names those the viewer may
    move (the page offers "Move" on them)."""
    devices = url_with_slug("devices")
    move = url_with_slug("tenant-move", level.slug)
    kinds = {value: str(label) for value, label in Tenant.Kind.choices}
    move_label = _("Move %(name)s")
    days: dict = {}  # a page's tenants are often created on the same days
    rows = []
    for tenant in tenants:
        created = timezone.localtime(tenant.created_at)
        day = created.date()
        if day not in days:
            days[day] = date_format(day, "DATE_FORMAT")
        can_move = tenant.pk in movable
        rows.append(
            LevelRow(
                tenant=tenant,
                url=devices(tenant.slug),
                kind=kinds.get(tenant.kind, tenant.kind),
                parent=tenant.parent.name if tenant.parent is not None else "—",
                created_iso=created.isoformat(),
                created_exact=date_format(created, "DATETIME_FORMAT"),
                created=days[day],
                move_url=move(tenant.slug) if can_move else "",
                move_label=move_label % {"name": tenant.name} if can_move else "",
            )
        )
    return rows
