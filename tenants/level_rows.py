"""The Customers page's rows, prepared once for the page rather than worked out by the
template row by row.

A partner's page shows 50 tenants where a leaf customer's shows itself: what a row costs is
what the page costs. So the page reads only the columns it shows (`LEVEL_COLUMNS`, the
parent's name and what deciding "Move" needs by a join) as tuples rather than model
instances; the URLs are reversed once and filled in per row, the kind labels and the
label's wording translated once, each moment converted to local time once and each day
written once; whether the viewer may move a row is decided once per parent (a page's rows
share a few); and each row's markup is written here (every value escaped), the
template's loop printing one value a row rather than a dozen lookups, filters and tags.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from html import escape

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import DateFormat, re_escaped, re_formatchars
from django.utils.formats import date_format, get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .models import Tenant

# A slug no tenant has, standing for each row's in a URL reversed once for the page.
_SLUG = "0-slug-0"

# What a row shows, and what deciding "Move" needs of its parent (its kind and path).
LEVEL_COLUMNS = (
    "id",
    "name",
    "slug",
    "kind",
    "created_at",
    "parent_id",
    "parent__name",
    "parent__kind",
    "parent__lineage",
)

# The markup the template printed for a row (customer_list.html), the same to the byte.
_ROW = (
    '<tr><td><a href="{url}">{name}</a></td><td>{kind}</td><td>{parent}</td>'
    '<td><code>{slug}</code></td><td><time datetime="{iso}" title="{exact}">{day}</time></td>'
    "{actions}</tr>"
)
_MOVE = '<td><a href="{url}" aria-label="{label}">{move}</a></td>'


def url_with_slug(name: str, *before: str) -> Callable[[str], str]:
    """`reverse(name, args=[*before, slug])` for any slug, reversing once: slugs are URL-safe
    as they are ([-a-zA-Z0-9_]), so the placeholder is replaced as it is."""
    pattern = reverse(name, args=[*before, _SLUG])
    head, tail = pattern.split(_SLUG, 1)
    return lambda slug: f"{head}{slug}{tail}"


@dataclass(frozen=True, slots=True)
class Level:
    """A tenant of the page, as the page shows it; `parent` carries only the parent's id,
    name, kind and path (enough for its name and the viewer's right to move the row)."""

    pk: int
    name: str
    slug: str
    kind: str
    created_at: datetime
    parent: Tenant | None


def levels_shown(levels: QuerySet[Tenant]) -> QuerySet:
    """`levels` (a selector's queryset: the scope is its) read as `LEVEL_COLUMNS` tuples."""
    return levels.values_list(*LEVEL_COLUMNS)


def as_levels(found: Iterable[tuple]) -> list[Level]:
    """The page's tuples as `Level`s; rows of one parent share its (partial) instance."""
    parents: dict[int, Tenant] = {}
    levels = []
    for pk, name, slug, kind, created_at, parent_id, p_name, p_kind, p_lineage in found:
        parent = None
        if parent_id is not None:
            parent = parents.get(parent_id)
            if parent is None:
                parent = Tenant(id=parent_id, name=p_name, kind=p_kind, lineage=p_lineage)
                parents[parent_id] = parent
        levels.append(Level(pk, name, slug, kind, created_at, parent))
    return levels


def movable_levels(levels: Iterable[Level], may_move_under: Callable[[Tenant], bool]) -> set:
    """The pks of `levels` the viewer may move: `may_move_under` asked once per parent."""
    allowed: dict[int, bool] = {}
    movable = set()
    for level in levels:
        if level.parent is None:
            continue
        if level.parent.pk not in allowed:
            allowed[level.parent.pk] = may_move_under(level.parent)
        if allowed[level.parent.pk]:
            movable.add(level.pk)
    return movable


_BY_DAY = set("bdDEFjlLmMnNoStwWyYz")
_BY_MINUTE = set("aAfgGhHiP")


def _piece_key(char: str, moment: datetime):
    """What a format character's text depends on: the day, the minute, or (for seconds, the
    zone and the rest) the moment itself, `fold` included (an hour that repeats when summer
    time ends is written without its zone)."""
    if char in _BY_DAY:
        return moment.date()
    if char in _BY_MINUTE:
        return moment.hour, moment.minute
    return moment, moment.fold


def moment_format(name: str) -> Callable[[datetime], str]:
    """`date_format(moment, name)` for the page's moments: the localised format is parsed
    once, and each piece's text kept for the next row of the same day (or minute),
    so rows created on the same day write its date once (the time is still written
    for each row, unless of the same minute). The language must not change
    between calls (one page)."""
    pieces = []
    for i, piece in enumerate(re_formatchars.split(str(get_format(name)))):
        if i % 2:
            pieces.append((True, piece))
        elif piece:
            pieces.append((False, re_escaped.sub(r"\1", piece)))
    known: dict = {}

    def format_moment(moment: datetime) -> str:
        found = None
        out = []
        for is_char, piece in pieces:
            if not is_char:
                out.append(piece)
                continue
            key = (piece, _piece_key(piece, moment))
            text = known.get(key)
            if text is None:
                found = found or DateFormat(moment)
                text = known[key] = str(getattr(found, piece)())
            out.append(text)
        return "".join(out)

    return format_moment


@dataclass(frozen=True, slots=True)
class LevelRow:
    tenant: Level
    url: str
    kind: str
    parent: str
    created_iso: str
    created_exact: str  # the date and time, on hover
    created: str
    move_url: str  # "" where the viewer may not move it
    move_label: str
    html: SafeString  # the row's <tr>, escaped


def level_rows(tenants: Iterable[Level], level: Tenant, movable: set[int]) -> list[LevelRow]:
    """One row per tenant of the page at `level`; `movable` names those the viewer may
    move (the page offers "Move" on them, and an actions column if any)."""
    devices = url_with_slug("devices")
    move = url_with_slug("tenant-move", level.slug)
    kinds = {value: str(label) for value, label in Tenant.Kind.choices}
    move_label = _("Move %(name)s")
    move_text = escape(_("Move"))
    days: dict = {}  # a page's tenants are often created on the same days
    exactly = moment_format("DATETIME_FORMAT")
    rows = []
    for tenant in tenants:
        created = timezone.localtime(tenant.created_at)
        day = created.date()
        if day not in days:
            days[day] = date_format(day, "DATE_FORMAT")
        can_move = tenant.pk in movable
        url = devices(tenant.slug)
        kind = kinds.get(tenant.kind, tenant.kind)
        parent = tenant.parent.name if tenant.parent is not None else "—"
        iso = created.isoformat()
        exact = exactly(created)
        move_url = move(tenant.slug) if can_move else ""
        label = move_label % {"name": tenant.name} if can_move else ""
        actions = "<td></td>" if movable else ""
        if can_move:
            actions = _MOVE.format(url=escape(move_url), label=escape(label), move=move_text)
        # Every value escaped as the template escaped it (django.utils.html.escape is this).
        html = mark_safe(  # noqa: S308
            _ROW.format(
                url=escape(url),
                name=escape(tenant.name),
                kind=escape(kind),
                parent=escape(parent),
                slug=escape(tenant.slug),
                iso=escape(iso),
                exact=escape(exact),
                day=escape(days[day]),
                actions=actions,
            )
        )
        shown = (url, kind, parent, iso, exact, days[day], move_url, label, html)
        rows.append(LevelRow(tenant, *shown))
    return rows
