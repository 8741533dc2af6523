"""A scratch database set up with the demo data, and a registration token for it, through
`manage.py` in child processes (so the benchmark's own process has not read any settings)."""

import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def demo_database(env: dict) -> None:
    """`setup_portal` and `seed_demo` on `env`'s database (created empty by the caller)."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    for step in (["setup_portal", "-v0"], ["seed_demo", "--password", "bench-pw", "-v0"]):
        subprocess.run([*manage, *step], env=env, cwd=ROOT, check=True)


def demo_token(env: dict, lifetime: str = "1d") -> str:
    """The demo data on `env`'s database (`demo_database`), then a token of globex-alice at
    Globex living `lifetime`: its value."""
    demo_database(env)
    create = ["tokens", "create", "--tenant", "globex", "--user", "globex-alice"]
    out = _output([str(ROOT / "manage.py"), *create, "--lifetime", lifetime], env)
    return re.search(r"Token:\s+(\S+)", out).group(1)


def built_inside(module: str, options: list[str], env: dict, state_file: Path) -> dict:
    """Run `module --inside build` with `options` in a child process (on the scratch database
    of `env`), keep the state it prints last in `state_file` (for --reuse) and return it."""
    started = time.perf_counter()
    out = _output(["-m", module, "--inside", "build", *options], env)
    state_file.write_text(out.strip().splitlines()[-1])
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    return json.loads(state_file.read_text())


def _output(arguments: list[str], env: dict) -> str:
    """What a child Python process given `arguments` prints (it must succeed)."""
    command = [sys.executable, *arguments]
    done = subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return done.stdout
