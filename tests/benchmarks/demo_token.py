"""A scratch database set up with the demo data, and a registration token for it, through
`manage.py` in child processes (so the benchmark's own process has not read any settings)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def demo_token(env: dict) -> str:
    """`setup_portal` and `seed_demo` on `env`'s database, then a day-long token of
    globex-alice at Globex: its value."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    for step in (["setup_portal", "-v0"], ["seed_demo", "--password", "bench-pw", "-v0"]):
        subprocess.run([*manage, *step], env=env, cwd=ROOT, check=True)
    create = ["tokens", "create", "--tenant", "globex", "--user", "globex-alice"]
    out = subprocess.run(
        [*manage, *create, "--lifetime", "1d"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return re.search(r"Token:\s+(\S+)", out).group(1)
