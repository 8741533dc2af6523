"""What every part of the launcher shares: the checkout's root folder and one way to print."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def say(line: str) -> None:
    """One line of the launcher's own output, shown at once (pip and servers print too)."""
    print(line, flush=True)
