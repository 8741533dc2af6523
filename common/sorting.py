"""Parsing a list's `?sort=` parameter against the columns it allows."""


def parse_sort(sort: str | None, allowed, default: str) -> tuple[str, bool]:
    """(column key, descending) for "name" / "-name"; unknown keys fall back to `default`."""
    sort = sort or default
    key, descending = sort.lstrip("-"), sort.startswith("-")
    if key not in allowed:
        key, descending = default.lstrip("-"), default.startswith("-")
    return key, descending
