#!/usr/bin/env python3
"""Apply (or revoke) the protection plan bound to a registration token on this machine.

    python3 protection_plan.py --token XXXX-...            # apply
    python3 protection_plan.py --token XXXX-... --revoke   # revoke

Uses the agent identity that register_agent.py stored (default
~/.config/protection-agent/agent.json, or --config, or PROTECTION_AGENT_CONFIG). The token
may also come from an options file (`--options-file`, a `token=...` line).

Standard library only. Exit status 0 on success, 1 on failure. While the portal is
unreachable or busy (429, 503) it retries for up to a minute, saying so on stderr.
"""

import argparse
import http.client
import json
import os
import random
import sys
import time
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
    """POST the token to the plan endpoint (with retries); returns what went wrong, or None."""
    try:
        status, raw = post_with_retries(
            f"{config['address']}/api/v1/agents/me/plan/{operation}",
            json.dumps({"token": token}).encode(),
            {
                "Content-Type": "application/json",
                "Authorization": f"Bearer {config['agent_secret']}",
            },
        )
    except OSError as error:
        return str(error)
    if 200 <= status < 300:
        return None
    try:
        detail = json.loads(raw or b"{}").get("detail")
    except (ValueError, AttributeError):
        detail = None
    return detail or f"HTTP {status}"


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
