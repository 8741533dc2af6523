"""`test`: the translations, the static checks, then pytest with the command's arguments.

The arguments go to pytest as they are: `test` runs the fast tier, `test --all` (an option of
the suite's conftest) everything, `test -k admin -x` what pytest makes of that.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from portal.launch.common import say
from portal.launch.processes import Children, Interrupted, run_step
from portal.launch.serve import COMPILE_TRANSLATIONS


def checks() -> list[tuple[str, list[str]]]:
    """Static checks, in order, before the tests: lint, formatting, the apps' layers
    (import-linter) and the types of services and selectors (mypy with the Django and DRF
    stubs), all configured in pyproject.toml."""
    python, bin_dir = sys.executable, Path(sys.executable).parent
    return [
        ("ruff", [python, "-m", "ruff", "check", "."]),
        ("ruff format", [python, "-m", "ruff", "format", "--check", "."]),
        ("import-linter", [str(bin_dir / "lint-imports"), "--no-cache"]),
        ("mypy", [python, "-m", "mypy"]),
    ]


def pytest_command(extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "pytest", *extra]


def test(extra: list[str]) -> int:
    children = Children()
    try:
        run_step(COMPILE_TRANSLATIONS)
        for name, command in [*checks(), ("pytest", pytest_command(extra))]:
            # pytest stays in the terminal's process group (a debugger may read from it).
            check = children.start(name, command, stop_signal=signal.SIGTERM, own_group=False)
            failed = check.process.wait()
            if failed and name != "pytest":
                say(f"{name} found problems (see above).")
            if failed or name == "pytest":
                return failed
        return 0
    except Interrupted as stop:
        children.stop(stop.signum)
        return 128 + stop.signum
