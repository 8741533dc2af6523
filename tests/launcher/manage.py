"""`manage.py` run as a user runs it: a subprocess of this interpreter, in the checkout."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(env: dict, *args: str, check: bool = False) -> subprocess.CompletedProcess:
    """`manage.py <args>` with environment `env`, output captured; with `check`, a failure
    fails the test with everything the command printed."""
    result = subprocess.run(  # noqa: S603 - this interpreter, the project's manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result
