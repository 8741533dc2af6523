"""The demo logins: the password `serve` seeds them with and the lines that list them.

Both the launcher (its seed step) and the development server (`manage.py devserver`, which
prints the list once it accepts connections) need them. This module imports `os` only, so
the management command gets them without importing any of the launcher's machinery.
"""

import os

DEMO_PASSWORD_DEFAULT = "demo-password-2026"


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
