"""`serve`: the set-up steps, then Django's development server and the task worker, side by
side until one exits or the launcher is stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from portal.launch.common import ROOT, say
from portal.launch.demo import demo_password
from portal.launch.processes import Children, Interrupted, pass_on, run_step

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


def worker_command() -> list[str]:
    """The task worker (procrastinate): the reminder mails' periodic scan (tokens/tasks.py),
    under `run_worker`, which starts it again with backoff when it exits (a database
    restart stops procrastinate's worker for good)."""
    return [sys.executable, str(ROOT / "manage.py"), "run_worker"]


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
        pass_on(worker.process.stderr, first_line_now=True)
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
