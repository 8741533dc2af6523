"""Pagination that never counts more rows than a person could page through."""

from functools import cached_property

from django.core.paginator import Paginator

COUNT_BOUND = 10_000


class BoundedPaginator(Paginator):
    """Counts at most COUNT_BOUND rows (`SELECT count(*) FROM (... LIMIT bound + 1)`), so a
    list of 100,000 rows costs an index scan of one page, not a scan of all of them.

    Beyond the bound, `capped` is true and the count reads as "10,000+"; the pages up to the
    bound are reachable.
    """

    @cached_property
    def count(self) -> int:
        counted = self.object_list[: COUNT_BOUND + 1].count()
        self.capped = counted > COUNT_BOUND
        return min(counted, COUNT_BOUND)

    capped = False
