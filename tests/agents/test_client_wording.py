"""The agent programs' messages (issue 20, item 12): one wording, "Registration failed:",
and a usage message that asks only for what is missing."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

CLIENT = Path(__file__).resolve().parents[2] / "agents" / "client"


def run(*args: str, tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            str(CLIENT / "register_agent.py"),
            *args,
            "--config",
            str(tmp_path / "agent.json"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize(
    "given,asked,not_asked",
    [
        (("-a", "http://127.0.0.1:9"), "a token (--token)", "(-a)"),
        (("--token", "XXXX"), "the portal address (-a)", "--token"),
        ((), "the portal address (-a) and a token (--token)", None),
    ],
)
def test_usage_asks_only_for_what_is_missing(tmp_path, given, asked, not_asked):
    result = run("-o", "register", *given, tmp_path=tmp_path)
    assert result.returncode == 2
    assert result.stdout == f"Registration failed: give {asked}.\n"
    if not_asked:
        assert not_asked not in result.stdout


def test_every_message_says_registration_failed_never_register_failed(tmp_path):
    source = (CLIENT / "register_agent.py").read_text()
    assert "capitalize()" not in source and "Register failed" not in source
    # An unreachable portal (the error path that said "Register failed:").
    result = subprocess.run(
        [
            sys.executable,
            str(CLIENT / "register_agent.py"),
            "-o",
            "register",
            "-a",
            "http://127.0.0.1:9",
            "--token",
            "X",
            "--machine-id",
            "m",
            "--config",
            str(tmp_path / "agent.json"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PROTECTION_AGENT_RETRY_SECONDS": "0.5", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1
    assert re.match(r"Registration failed: ", result.stdout), result.stdout
