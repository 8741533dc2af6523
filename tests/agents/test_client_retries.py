"""The agent programs retry an unreachable portal with capped backoff, one line on stderr
per retry, and give up within their time budget (PROTECTION_AGENT_RETRY_SECONDS)."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from agents.client.protection_plan import FAILED
from tests.live.server import free_port

CLIENT = Path(__file__).resolve().parents[2] / "agents" / "client"
RETRY_LINE = r"The portal is not available \(.+\); retrying in \d+\.\d s \(attempt \d+\)\."


def _run(program: str, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    env = {**os.environ, "PROTECTION_AGENT_RETRY_SECONDS": "3"}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(CLIENT / program), *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
    )
    return result, time.monotonic() - started


def _assert_retried_then_gave_up(result, took: float) -> None:
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) >= 2, result.stderr  # 0.25-0.5 s, 0.5-1 s, 1-2 s ... within 3 s
    assert all(re.fullmatch(RETRY_LINE, line) for line in lines), lines
    assert took < 6


def test_register_agent_retries_an_unreachable_portal_and_gives_up_in_time(tmp_path):
    address = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result, took = _run(
        "register_agent.py",
        *("-o", "register", "-a", address, "--token", "X"),
        *("--machine-id", "m", "--config", str(tmp_path / "agent.json")),
    )
    _assert_retried_then_gave_up(result, took)
    assert result.stdout.startswith("Registration failed: ") and result.stdout.count("\n") == 1


def test_protection_plan_retries_an_unreachable_portal_and_gives_up_in_time(tmp_path):
    config = tmp_path / "agent.json"
    address = f"http://127.0.0.1:{free_port()}"
    config.write_text(json.dumps({"address": address, "agent_secret": "agt_x"}))
    result, took = _run("protection_plan.py", "--token", "X", "--config", str(config))
    _assert_retried_then_gave_up(result, took)
    assert result.stdout.startswith(FAILED.format(""))
