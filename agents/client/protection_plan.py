#!/usr/bin/env python3
"""Apply (or revoke) the protection plan bound to a registration token on this machine.

    python3 protection_plan.py --token XXXX-...            # apply
    python3 protection_plan.py --token XXXX-... --revoke   # revoke

Uses the agent identity that register_agent.py stored (default
~/.config/protection-agent/agent.json, or --config, or PROTECTION_AGENT_CONFIG). The token
may also come from an options file (`--options-file`, a `token=...` line).

Standard library only. Exit status 0 on success, 1 on failure.
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

DEFAULT_CONFIG = Path.home() / ".config" / "protection-agent" / "agent.json"
FAILED = "Failed to apply or revoke Protection Plan: {}"


def token_from_options(path: str) -> str | None:
    for line in Path(path).read_text().splitlines():
        key, _, value = line.strip().partition("=")
        if key.strip().lower() == "token":
            return value.strip()
    return None


def change_plan(config: dict, token: str, operation: str) -> str | None:
    """POST the token to the plan endpoint; returns what went wrong, or None."""
    request = urllib.request.Request(
        f"{config['address']}/api/v1/agents/me/plan/{operation}",
        data=json.dumps({"token": token}).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {config['agent_secret']}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30):  # noqa: S310
            return None
    except urllib.error.HTTPError as error:
        try:
            detail = json.loads(error.read() or b"{}").get("detail")
        except ValueError:
            detail = None
        return detail or f"HTTP {error.code}"
    except (OSError, urllib.error.URLError) as error:
        return str(error)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Apply or revoke the token's protection plan.")
    parser.add_argument("--token", help="The registration token that carries the plan.")
    parser.add_argument("--options-file", help="A file with a token=... line.")
    parser.add_argument(
        "--revoke", action="store_true", help="Revoke the plan instead of applying it."
    )
    parser.add_argument("--config", help=f"The agent identity file (default {DEFAULT_CONFIG}).")
    args = parser.parse_args(argv)

    path = Path(args.config or os.environ.get("PROTECTION_AGENT_CONFIG") or DEFAULT_CONFIG)
    try:
        token = args.token or (token_from_options(args.options_file) if args.options_file else None)
        config = json.loads(path.read_text())
    except (OSError, ValueError):
        print(FAILED.format(f"this machine is not registered (no {path})"))
        return 1
    if not token:
        print(FAILED.format("give the registration token with --token or --options-file"))
        return 1

    problem = change_plan(config, token, "revoke" if args.revoke else "apply")
    if problem:
        print(FAILED.format(problem))
        return 1
    print(
        "Protection Plan was successfully revoked."
        if args.revoke
        else "Protection Plan was successfully applied."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
