"""Keyset ("seek") pages: Next and Previous carry the sort key of the row they continue from,
so page 400 is read like page 2, from an index position, never past 10,000 skipped rows.

A list ordered by one key and the row id in the same direction (what `common.sorting`
lists are) is read as `WHERE (key, id) > (last key, last id) ORDER BY key, id LIMIT n`,
which the list's composite index answers with a range. The page number stays in the URL
for the "Page N of M" people see; a link without a key (typed, bookmarked) is read by its
number as before.
"""

import base64
import binascii
import datetime
import hashlib
import json

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F, QuerySet
from django.db.models.expressions import OrderBy
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan

from .paging import BoundedPaginator

KEY = "_keyset_{}"


def _order_of(rows: QuerySet) -> tuple[list, bool]:
    """The ordering's expressions and whether it is descending (one direction for all)."""
    exprs, directions = [], set()
    for item in rows.query.order_by:
        if isinstance(item, str):
            exprs.append(F(item.lstrip("-")))
            directions.add(item.startswith("-"))
        elif isinstance(item, OrderBy):
            exprs.append(item.expression)
            directions.add(item.descending)
        else:
            raise TypeError(f"cannot page {item!r} by its key")
    if len(directions) != 1:
        raise ValueError("a keyset page needs one direction for every ordering key")
    return exprs, directions.pop()


def _signature(rows: QuerySet) -> str:
    """Which ordering a key belongs to: a key of another sort is not used."""
    return hashlib.sha256(repr(rows.query.order_by).encode()).hexdigest()[:8]


class _KeyEncoder(DjangoJSONEncoder):
    """Times to the microsecond (Django's encoder keeps milliseconds: a key must be exact)."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            return o.isoformat()
        return super().default(o)


def _encode(signature: str, values: list) -> str:
    text = json.dumps([signature, *values], cls=_KeyEncoder, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(raw: str, signature: str, fields: list) -> list | None:
    try:
        data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if not isinstance(data, list) or data[:1] != [signature] or len(data) != len(fields) + 1:
            return None
        return [field.to_python(value) for field, value in zip(fields, data[1:], strict=True)]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, ValidationError):
        return None  # a tampered or stale key: the page is read by its number


class KeysetPage:
    """One page of an ordered queryset, read from a key (`after` or `before`) or, without
    one, by its number; `count` as `BoundedPaginator` counts it ("Page 3 of 400+")."""

    def __init__(self, rows: QuerySet, size: int, number: int, *, after=None, before=None):
        exprs, descending = _order_of(rows)
        self._names = [KEY.format(i) for i in range(len(exprs))]
        keyed = rows.annotate(**dict(zip(self._names, exprs, strict=True)))
        fields = [keyed.query.annotations[name].output_field for name in self._names]
        self._signature = _signature(rows)
        self.paginator = BoundedPaginator(rows, size)
        after = _decode(after, self._signature, fields) if after else None
        before = _decode(before, self._signature, fields) if before else None
        beyond, behind = (TupleLessThan, TupleGreaterThan)
        if not descending:
            beyond, behind = behind, beyond
        if after is not None and number > 1:
            chunk = list(keyed.filter(beyond(Tuple(*exprs), after))[: size + 1])
            self.object_list, self._more = chunk[:size], len(chunk) > size
            self.number, self._earlier = number, True
        elif before is not None and number > 1:
            backwards = keyed.filter(behind(Tuple(*exprs), before)).reverse()
            chunk = list(backwards[: size + 1])
            self.object_list = chunk[:size][::-1]
            self._earlier = len(chunk) > size
            self.number = number if self._earlier else 1
            self._more = True
        else:
            self.number = self.paginator.get_page(number).number  # clamped; rows not read
            start = (self.number - 1) * size
            # An empty list is known from its count: no query for its rows.
            chunk = list(keyed[start : start + size + 1]) if self.paginator.count else []
            self.object_list, self._more = chunk[:size], len(chunk) > size
            self._earlier = self.number > 1

    def _key(self, row) -> str:
        return _encode(self._signature, [getattr(row, name) for name in self._names])

    def has_next(self) -> bool:
        return self._more and bool(self.object_list)

    def has_previous(self) -> bool:
        return self._earlier

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return max(1, self.number - 1)

    @property
    def next_key(self) -> str | None:
        """The `after` key of the Next link."""
        return self._key(self.object_list[-1]) if self.has_next() else None

    @property
    def previous_key(self) -> str | None:
        """The `before` key of the Previous link (none to page 1: it is read from the top)."""
        if not self.has_previous() or self.number <= 2 or not self.object_list:  # noqa: PLR2004
            return None
        return self._key(self.object_list[0])

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def keyset_page_of(rows: QuerySet, request, *, size: int, param: str = "page") -> KeysetPage:
    """The requested page of `rows`: `?<param>=N` with `<param>_after` / `<param>_before`
    (the keys the Next and Previous links carry), or by its number alone."""
    raw = request.GET.get(param, "")
    number = int(raw) if raw.isascii() and raw.isdigit() and int(raw) > 0 else 1
    return KeysetPage(
        rows,
        size,
        number,
        after=request.GET.get(f"{param}_after"),
        before=request.GET.get(f"{param}_before"),
    )
