"""The command line: `serve`'s options, and `main`, which makes sure `.venv` has what the
command needs, re-runs itself inside it, holds the embedded server when there is no
DATABASE_URL, and runs the command."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys

from portal.launch.common import say
from portal.launch.embedded import embedded_postgres
from portal.launch.install import DEV_REQUIREMENTS, REQUIREMENTS, ensure_venv, in_venv, venv_python
from portal.launch.ports import busy_message, port_in_use
from portal.launch.processes import Interrupted, catch_signals
from portal.launch.production import missing_production_settings, serve_production
from portal.launch.serve import serve
from portal.launch.testing import test


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


def usage() -> str:
    """The package's docstring: the commands and what they do."""
    return importlib.import_module("portal.launch").__doc__ or ""


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"serve", "test"}:
        say(usage())
        return 2
    serving = options(argv[1:]) if argv[0] == "serve" else None
    if serving and not serving.host.startswith("unix") and port_in_use(serving.host, serving.port):
        say(busy_message(serving.host, serving.port))  # before any set-up
        return 2
    if serving and serving.production:
        missing = missing_production_settings(os.environ)
        for line in missing:
            print(line, file=sys.stderr)
        if missing:
            return 2
    if not in_venv():
        # Serving needs the runtime only; the test command its tools too.
        ensure_venv(requirements=REQUIREMENTS if serving else DEV_REQUIREMENTS)
        python = str(venv_python())
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
