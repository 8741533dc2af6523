"""The translation catalogues: locale/<language>/LC_MESSAGES/<domain>.po, compiled to .mo.

The .mo files are built, never committed (.gitignore): the launcher runs
`manage.py compile_translations` before serving and before the tests. Babel compiles them in
pure Python, so a machine with only Python (no GNU gettext's msgfmt) builds them too. A fuzzy
entry is left out, as msgfmt leaves it out: the page shows the English text instead.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


@dataclass(frozen=True)
class Compiled:
    po: Path
    mo: Path
    language: str
    messages: int  # translated, non-fuzzy entries written


def catalogue_files(locale_dirs: Iterable[Path | str]) -> list[Path]:
    """Every .po file under the given locale folders, in a stable order."""
    return sorted(p for d in locale_dirs for p in Path(d).glob("*/LC_MESSAGES/*.po"))


def compile_catalogue(po: Path) -> Compiled:
    """Write `po`'s .mo beside it (through a temporary file, so a server reading it at that
    moment never sees half a file)."""
    language = po.parent.parent.name
    with po.open("rb") as source:
        catalog = read_po(source, locale=language)
    mo = po.with_suffix(".mo")
    partial = po.with_suffix(".mo.partial")
    with partial.open("wb") as target:
        write_mo(target, catalog, use_fuzzy=False)
    partial.replace(mo)
    written = sum(1 for m in catalog if m.id and m.string and not m.fuzzy)
    return Compiled(po=po, mo=mo, language=language, messages=written)


def compile_all(locale_dirs: Iterable[Path | str]) -> list[Compiled]:
    return [compile_catalogue(po) for po in catalogue_files(locale_dirs)]
