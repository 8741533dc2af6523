"""The demo logins: the password `serve` seeds them with and the lines that list them.

Both the launcher (its seed step) and the development server (`manage.py devserver`, which
prints the list once it accepts connections) need them. This module imports `os` only, so
the management command gets them without importing any of the launcher's machinery.
"""

import os

DEMO_PASSWORD_DEFAULT = "demo-password-2026"
# Each demo login and its role, as `serve` lists them (the README's table says the same).
DEMO_LOGINS = [
    ("msp-admin", "partner administrator, Demo MSP (all its customers)"),
    ("globex-admin", "company administrator, Globex"),
    ("globex-alice", "user, Globex"),
    ("globex-bob", "user, Globex"),
    ("globex-auditor", "read-only administrator, Globex"),
    ("initech-admin", "company administrator, Initech"),
    ("initech-carol", "user, Initech"),
    ("other-admin", "partner administrator, Other MSP"),
    ("umbrella-dave", "user, Umbrella (customer of Other MSP)"),
    ("distributor-admin", "partner administrator, Demo Distributor (the whole tree)"),
    ("northwind-admin", "partner administrator, Northwind Resellers (a reseller)"),
    ("southridge-admin", "partner administrator, Southridge Resellers (a reseller)"),
    ("contoso-admin", "company administrator, Contoso (and its units)"),
    ("contoso-frank", "user, Contoso"),
    ("contoso-sales-admin", "unit administrator, Contoso Sales (unit of Contoso)"),
    ("contoso-sales-grace", "user, Contoso Sales"),
    ("contoso-labs-heidi", "user, Contoso Labs (unit of Contoso)"),
    ("fabrikam-admin", "company administrator, Fabrikam"),
    ("tailspin-ivan", "user, Tailspin (customer of Southridge)"),
    ("litware-admin", "company administrator, Litware (in the folder Direct customers)"),
    ("platform-admin", "platform superuser (Django admin)"),
]


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
        + "\n".join(f"  {login:<20} {role}" for login, role in DEMO_LOGINS)
    )
