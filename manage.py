#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

Without DATABASE_URL (and with settings other than production's), every command runs against
the embedded PostgreSQL server that `python3 -m portal.launch serve` uses: it joins the
server if it is running, starts it otherwise, and leaves it as the launcher does (stopped
when no other command holds it). Its lines go to stderr, so a command's output stays its own.
"""

import contextlib
import os
import signal
import sys

PRODUCTION_SETTINGS = "portal.settings.production"


def hold_embedded_database(stack: contextlib.ExitStack) -> None:
    """Start or join the embedded server for this command's duration, unless DATABASE_URL
    names a server (or production's settings, which require one, are in use)."""
    if (
        os.environ.get("DATABASE_URL")
        or os.environ["DJANGO_SETTINGS_MODULE"] == PRODUCTION_SETTINGS
    ):
        return
    from portal.launch.embedded import embedded_postgres  # noqa: PLC0415

    def report(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    try:
        stack.enter_context(embedded_postgres(report=report))
    except ImportError:
        sys.exit(
            "DATABASE_URL is not set and the embedded PostgreSQL server is not installed: run "
            "`python3 -m portal.launch serve` once (it installs it), or set DATABASE_URL."
        )
    # A plain SIGTERM would end Python without `finally`: leave the server as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
    from django.core.management import execute_from_command_line

    with contextlib.ExitStack() as stack:
        hold_embedded_database(stack)
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
