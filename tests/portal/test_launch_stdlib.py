"""The launcher runs under the system's Python before `.venv` exists: every module of
`portal.launch` must import with the standard library only (the embedded server's wheel is
imported inside the function that starts it)."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "portal" / "launch"
MODULES = sorted(
    "portal.launch" + ("" if path.stem == "__init__" else f".{path.stem}")
    for path in PACKAGE.glob("*.py")
    if path.stem != "__main__"
)


def _isolated(code: str) -> subprocess.CompletedProcess:
    """`code` in a Python without site-packages (-S), environment or user folders (-I), with
    only the checkout on its path."""
    prelude = f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
    return subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-I", "-S", "-c", prelude + code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_package_has_the_modules_this_test_imports():
    assert len(MODULES) >= 8, MODULES


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_without_site_packages(module):
    result = _isolated(
        f"import {module}\n"
        "outside = sorted(\n"
        "    name for name in sys.modules\n"
        "    if name.split('.')[0] not in {*sys.stdlib_module_names, 'portal', '__main__'}\n"
        ")\n"
        "print(outside)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\n"


def test_the_command_without_arguments_prints_its_usage_without_site_packages():
    result = _isolated("import runpy\nrunpy.run_module('portal.launch', run_name='__main__')")
    assert result.returncode == 2, result.stderr
    assert "python3 -m portal.launch test --all" in result.stdout


def _module_level_imports(tree: ast.Module):
    """Imports outside functions: those run when the module is imported."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                inner.inside_function = True  # type: ignore[attr-defined]
    for node in ast.walk(tree):
        if getattr(node, "inside_function", False):
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda path: path.name)
def test_module_level_imports_are_the_standard_library_or_the_launcher(path):
    """Also imports that the subprocess above would not reach (an `if` branch)."""
    tree = ast.parse(path.read_text())
    outside = [
        name
        for name in _module_level_imports(tree)
        if name.split(".")[0] not in sys.stdlib_module_names
        and not name.startswith("portal.launch")
        and name != "__future__"
    ]
    assert outside == []
