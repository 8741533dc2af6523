"""`serve --production`: refuse to start without the required settings, run the set-up
steps, start the task worker, then become gunicorn (exec)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from portal.launch.common import ROOT, say
from portal.launch.processes import die_with_parent, run_step
from portal.launch.serve import setup_steps, worker_command

# Production settings read these from the environment and have no default for them.
PRODUCTION_REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CACHE_URL", "EMAIL_URL")


def missing_production_settings(environ) -> list[str]:
    """One line for each required setting that is unset or empty, in a fixed order
    (behind a transaction pooler, DATABASE_DIRECT_URL too)."""
    required = PRODUCTION_REQUIRED
    if environ.get("DATABASE_POOLER", "") == "transaction":
        required += ("DATABASE_DIRECT_URL",)
    return [
        f"Missing setting {name}: set it in the environment (see Settings in docs/operations.md)."
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
    preexec = die_with_parent() if sys.platform.startswith("linux") else None
    # Only the web workers share metrics (PROMETHEUS_MULTIPROC_DIR): not the task worker.
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    return subprocess.Popen(worker_command(), cwd=ROOT, preexec_fn=preexec, env=env)


def serve_production(bind: str, workers: int) -> int:
    """Collect the static files, migrate, check the deployment, start the task worker (it
    ends when this process does, see `die_with_parent`), then become the server."""
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
