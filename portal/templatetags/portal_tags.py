"""Template helpers shared by the console and the management portal."""

from django import template
from django.http import QueryDict
from django.utils import timezone
from django.utils.html import format_html

from common.datetimes import local_datetime
from portal.relative_time import exact as exact_with_zone
from portal.relative_time import relative as relative_time

register = template.Library()


@register.simple_tag
def when(moment, absolute=False):
    """A relative time, rounded as people read it ("3 hours ago", "in 3 days", "just now"),
    with the exact time and its time zone on hover and in the machine-readable `datetime`;
    `absolute=True` also prints the exact time."""
    if moment is None:
        return "—"
    relative = relative_time((moment - timezone.now()).total_seconds())
    exact = exact_with_zone(moment)
    if absolute:
        return format_html(
            '<time datetime="{}" title="{}">{}</time><br><small>{}</small>',
            moment.isoformat(),
            exact,
            relative,
            exact,
        )
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', moment.isoformat(), exact, relative
    )


@register.simple_tag
def exact_time(moment):
    """A moment in the pages' one date and time format (`common.datetimes`), its zone on
    hover, machine-readable in `datetime`."""
    if moment is None:
        return "—"
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        moment.isoformat(),
        exact_with_zone(moment),
        local_datetime(moment),
    )


def _here(context) -> tuple[str, QueryDict]:
    """Where a page's own links (pages, sort orders) lead: the current address, except on a
    page a POST rendered (a refused form, a confirmation), whose address takes only POST (a
    link there answered 405): then the page's GET address (`list_path`) with its open pane
    (`list_params`), which the view supplies."""
    request = context["request"]
    params = request.GET.copy()
    if request.method in ("GET", "HEAD"):
        return "", params
    for key, value in (context.get("list_params") or {}).items():
        params.setdefault(key, value)
    return context.get("list_path") or "", params


@register.simple_tag(takes_context=True)
def page_url(context, number, param="page", after=None, before=None, **fixed):
    """The current URL's query string with `param` set to page `number`: a filter, a sort
    or an open pane carries over to the other pages. `fixed` parameters are always set
    (a pane's links keep the pane open even from a page the POST rendered). `after` and
    `before` are a keyset page's keys (`common.keyset`): the Next link continues after the
    page's last row, the Previous link before its first; a key of the page left behind is
    never carried over."""
    path, params = _here(context)
    params.pop(f"{param}_after", None)
    params.pop(f"{param}_before", None)
    for key, value in {**fixed, param: number}.items():
        params[key] = value  # QueryDict.update would append
    for key, value in {f"{param}_after": after, f"{param}_before": before}.items():
        if value:
            params[key] = value
    return f"{path}?{params.urlencode()}"


@register.simple_tag(takes_context=True)
def sort_header(context, label, key, param="sort", current=None):
    """A sortable column header: a link that toggles the order, with aria-sort set.

    `param` is the query parameter (a pane's table uses its own) and `current` its value
    (default: the context's `sort`). Keeps the page's other query parameters (an open pane,
    a filter) and starts again at the first page.
    """
    current = current if current is not None else context.get("sort") or ""
    path, params = _here(context)
    for paging in ("page", "tpage"):  # a new order starts at its first page
        for name in (paging, f"{paging}_after", f"{paging}_before"):
            params.pop(name, None)
    ascending = current == key
    params[param] = f"-{key}" if ascending else key
    state = "ascending" if ascending else "descending" if current == f"-{key}" else None
    arrow = {"ascending": " ▲", "descending": " ▼"}.get(state, "")
    return format_html(
        '<th scope="col"{}><a href="{}?{}">{}<span aria-hidden="true">{}</span></a></th>',
        format_html(' aria-sort="{}"', state) if state else "",
        path,
        params.urlencode(),
        label,
        arrow,
    )
