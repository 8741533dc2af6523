#!/usr/bin/env python3
"""Register this machine with the Management portal, or unregister it.

    python3 register_agent.py -o register -a https://portal.example.com --token XXXX-...
    python3 register_agent.py -o register -a https://portal.example.com --options-file token.conf
    python3 register_agent.py -o unregister

The token carries the identity of the user the machine is registered under; nobody types a
password here. After registration the agent uses its own credential, kept in a config file
readable only by its owner (default ~/.config/protection-agent/agent.json, or --config, or
the PROTECTION_AGENT_CONFIG environment variable). The options file holds `key=value` lines
(token, address), so the token stays out of the command line and shell history.

Standard library only. Exit status 0 on success, 1 when the portal refuses, 2 on bad usage.
While the portal is unreachable or busy (429, 503) it retries for up to a minute, saying so
on stderr.
"""

import argparse
import http.client
import json
import os
import platform
import random
import socket
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

AGENT_VERSION = "1.0.0"
# One wording per operation, in every message: "Registration failed: ...".
FAILED = {"register": "Registration", "unregister": "Unregistration"}
DEFAULT_CONFIG = Path.home() / ".config" / "protection-agent" / "agent.json"


def config_path(option: str | None) -> Path:
    return Path(option or os.environ.get("PROTECTION_AGENT_CONFIG") or DEFAULT_CONFIG)


def read_options_file(path: str) -> dict:
    options = {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            options[key.strip().lower()] = value.strip()
    return options


def write_private(path: Path, data: dict) -> None:
    """Write JSON readable and writable by the owner only (0600), replacing any old file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(data, handle, indent=2)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def machine_id(config_dir: Path) -> str:
    """A stable id for this machine: the OS's own where there is one, else one we keep."""
    for candidate in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            value = Path(candidate).read_text().strip()
        except OSError:
            continue
        if value:
            return value
    kept = config_dir / "machine-id"
    if kept.exists():
        return kept.read_text().strip()
    value = str(uuid.uuid4())
    kept.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    kept.write_text(value)
    return value


def call(address: str, path: str, body: dict | None, secret: str | None = None):
    """POST JSON (with retries); returns (status, parsed body). Never prints the token or
    the secret."""
    headers = {"Content-Type": "application/json"}
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    status, raw = post_with_retries(
        address.rstrip("/") + path, json.dumps(body or {}).encode(), headers
    )
    try:
        return status, json.loads(raw) if raw else {}
    except ValueError:
        return status, {}


# Retries: the portal may be restarting (connection refused, 502/503/504) or ask us to slow
# down (429). Registration is idempotent (the same machine id is the same device), so
# retrying is safe. Waits double from RETRY_FIRST up to RETRY_CAP seconds, jittered, at
# least what Retry-After asks, and all of them together stay within RETRY_BUDGET seconds.
RETRY_STATUSES = (429, 502, 503, 504)
RETRY_FIRST, RETRY_CAP = 0.5, 8.0
RETRY_BUDGET = float(os.environ.get("PROTECTION_AGENT_RETRY_SECONDS", "60"))


def retry_delay(attempt: int, retry_after: str | None) -> float:
    ceiling = min(RETRY_CAP, RETRY_FIRST * 2 ** (attempt - 1))
    delay = random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not a secret
    if retry_after and retry_after.strip().isdigit():
        delay = max(delay, float(retry_after.strip()))
    return delay


def post_with_retries(url: str, data: bytes, headers: dict) -> tuple[int, bytes]:
    """POST, retrying connection errors, 429 and 5xx outages; returns (status, raw body).
    Prints one line on stderr per retry; raises OSError if the portal stayed unreachable."""
    deadline = time.monotonic() + RETRY_BUDGET
    attempt = 0
    while True:
        attempt += 1
        request = urllib.request.Request(url, data=data, method="POST", headers=headers)
        timeout = max(1.0, min(30.0, deadline - time.monotonic()))  # within the budget
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            if error.code not in RETRY_STATUSES:
                return error.code, error.read()
            status, raw, retry_after = error.code, error.read(), error.headers.get("Retry-After")
            problem, failure = f"HTTP {error.code}", None
        except (OSError, http.client.HTTPException) as error:
            status, raw, retry_after = None, b"", None
            problem, failure = str(getattr(error, "reason", error)), error
        delay = retry_delay(attempt, retry_after)
        if time.monotonic() + delay > deadline:
            if failure is not None:
                raise OSError(problem) from failure
            return status, raw
        print(
            f"The portal is not available ({problem}); retrying in {delay:.1f} s "
            f"(attempt {attempt + 1}).",
            file=sys.stderr,
        )
        time.sleep(delay)


def current_secret(path: Path, address: str) -> str | None:
    """The agent secret of an identity file kept for this very portal: sent along when
    registering again, it proves this machine's identity (so it may move to the token's
    user). Never sent to another address."""
    try:
        identity = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(identity, dict) or identity.get("address") != address.rstrip("/"):
        return None
    secret = identity.get("agent_secret")
    return secret if isinstance(secret, str) and secret else None


def reason(status: int, body: dict) -> str:
    return body.get("detail") or f"HTTP {status}"


def register(args) -> int:
    options = read_options_file(args.options_file) if args.options_file else {}
    token = args.token or options.get("token")
    address = args.address or options.get("address")
    missing = [
        what
        for what, given in (("the portal address (-a)", address), ("a token (--token)", token))
        if not given
    ]
    if missing:  # name only what is missing, not what was given
        print(f"Registration failed: give {' and '.join(missing)}.")
        return 2
    if not address.startswith(("http://", "https://")):
        print("Registration failed: the portal address must start with http:// or https://.")
        return 2
    path = config_path(args.config)
    status, body = call(
        address,
        "/api/v1/agents/register",
        {
            "token": token,
            "hostname": args.hostname or socket.gethostname(),
            "os": platform.platform(),
            "machine_id": args.machine_id or machine_id(path.parent),
            "agent_version": AGENT_VERSION,
        },
        current_secret(path, address),
    )
    if status not in (200, 201):
        print(f"Registration failed: {reason(status, body)}")
        return 1
    write_private(
        path,
        {
            "address": address.rstrip("/"),
            "agent_id": body["agent_id"],
            "agent_secret": body["agent_secret"],
            "tenant": body["tenant"],
            "owner": body["owner"],
        },
    )
    print(registered_message(status, body))
    return 0


def registered_message(status: int, body: dict) -> str:
    again = "registered again" if status == 200 else "registered"
    plan = body.get("plan_available")
    hint = f" Protection plan available: {plan['name']}." if plan else ""
    owner, tenant = body["owner"]["username"], body["tenant"]["name"]
    return f"Machine {again} as agent {body['agent_id']} under {owner} ({tenant}).{hint}"


def unregister(args) -> int:
    path = config_path(args.config)
    try:
        config = json.loads(path.read_text())
    except (OSError, ValueError):
        print(f"Unregistration failed: this machine is not registered (no {path}).")
        return 1
    status, body = call(
        config["address"], "/api/v1/agents/me/unregister", None, config["agent_secret"]
    )
    if status != 204:
        print(f"Unregistration failed: {reason(status, body)}")
        return 1
    path.unlink()
    print("Machine unregistered.")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Register this machine with the Management portal."
    )
    parser.add_argument("-o", "--operation", choices=["register", "unregister"], required=True)
    parser.add_argument(
        "-a", "--address", help="The portal address, e.g. https://portal.example.com"
    )
    parser.add_argument(
        "-t", "--type", default="cloud", help="Kept for compatibility; only 'cloud'."
    )
    parser.add_argument("--token", help="The registration token.")
    parser.add_argument("--options-file", help="A file of key=value lines: token=..., address=...")
    parser.add_argument(
        "--config", help=f"Where the agent identity is kept (default {DEFAULT_CONFIG})."
    )
    parser.add_argument("--hostname", help="Register under this name instead of the host name.")
    parser.add_argument("--machine-id", help="Use this machine id instead of the system's.")
    args = parser.parse_args(argv)
    try:
        return register(args) if args.operation == "register" else unregister(args)
    except (OSError, urllib.error.URLError) as error:
        print(f"{FAILED[args.operation]} failed: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
