"""The house's shape, checked: rooms stay small and no two modules lean on each other.

import-linter (pyproject.toml) holds the layers; these two rules are what it cannot say.
"""

from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("portal", "agents", "tokens", "tenants", "api", "common")
# The house limit (STYLE.md): a module that passes it becomes a package.
MAX_LINES = 300


def _modules() -> list[Path]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                found.append(path)
    return found


def test_the_packages_are_where_the_checks_look():
    # Guards the two tests below: an empty list would let both pass.
    assert len(_modules()) > 100


def test_no_module_passes_the_house_limit():
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in _modules()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert too_long == {}, "make these packages"


def test_no_two_modules_import_each_other():
    graph = grimp.build_graph(*PACKAGES)
    pairs = sorted(
        (module, other)
        for module in graph.modules
        for other in graph.find_modules_directly_imported_by(module)
        if module < other and module in graph.find_modules_directly_imported_by(other)
    )
    assert pairs == []
