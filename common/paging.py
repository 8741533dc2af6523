"""Pagination that never counts more rows than a person could page through."""

from functools import cached_property

from django.conf import settings
from django.core.paginator import Paginator

COUNT_BOUND = 10_000


class BoundedPaginator(Paginator):
    """Counts at most COUNT_BOUND + 1 rows (`SELECT count(*) FROM (... LIMIT bound + 1)`),
    so a list of 100,000 rows never costs a scan of all of them.

    Beyond the bound, `capped` is true and the page reads "Page 1 of 400+"; the pages up to
    the bound are reachable.
    """

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "select_related"):  # a queryset: count rows, not joins or order
            rows = rows.select_related(None).order_by()
        counted = rows[: COUNT_BOUND + 1].count()
        self.capped = counted > COUNT_BOUND
        return min(counted, COUNT_BOUND)

    capped = False


class UncountedPage:
    """A page read without counting the rows: the page and one row more, to know whether
    there is a next one ("Page 3", Previous and Next). For lists whose length grows with
    the number of customers, so a page costs the same with 10 customers or 1,000."""

    capped = False
    num_pages = None

    def __init__(self, rows, size: int, number: int):
        self.number = number
        start = (number - 1) * size
        chunk = list(rows[start : start + size + 1])
        self.object_list = chunk[:size]
        self._more = len(chunk) > size
        self.paginator = self  # the template reads page.paginator.*, as with Django's
        self.count = start + len(self.object_list)

    def has_next(self) -> bool:
        return self._more

    def has_previous(self) -> bool:
        return self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def page_of(rows, request, *, size: int | None = None, param: str = "page", count: bool = True):
    """The requested page of `rows` (MANAGEMENT_PAGE_SIZE rows unless `size`); counted up to
    COUNT_BOUND, or with `count=False` not at all."""
    size = size or settings.MANAGEMENT_PAGE_SIZE
    if not count:
        raw = request.GET.get(param, "")
        return UncountedPage(rows, size, int(raw) if raw.isdigit() and int(raw) > 0 else 1)
    return BoundedPaginator(rows, size).get_page(request.GET.get(param))
