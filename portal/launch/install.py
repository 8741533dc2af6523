"""The virtual environment `.venv` and what is installed into it.

`serve` needs `requirements.txt` only; `test` needs `requirements-dev.txt`, which includes
it (`-r requirements.txt`) and adds the test tools. Each file has a stamp in the environment
(the digest of the file and of every file it includes), written when it was installed; an
install of `requirements-dev.txt` stamps the files it includes too, so going from `test`
back to `serve` installs nothing.

Progress: pip's own output is hidden (all of it is shown if pip fails); the launcher counts
every package pip collects, dependencies included, then says how many it installs, and never
stays silent for longer than QUIET_SECONDS.
"""

from __future__ import annotations

import hashlib
import queue
import re
import subprocess
import sys
import threading
import time
import venv
from collections.abc import Callable
from pathlib import Path

from portal.launch.common import ROOT, say

VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements.txt"
DEV_REQUIREMENTS = ROOT / "requirements-dev.txt"
# The longest the install step stays silent: pip prints nothing while it installs.
QUIET_SECONDS = 15.0
# A "collected" line at most this often (the first one at once), so that 85 packages make a
# handful of lines, not 85.
COLLECTED_EVERY = 5.0
# How often a silent pip's progress is looked at.
IDLE_EVERY = 1.0
STAMPS = ".stamps"


def venv_python(venv_dir: Path = VENV) -> Path:
    return venv_dir / "bin" / "python"


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def included(requirements: Path) -> list[Path]:
    """`requirements` and every file it includes with `-r` (recursively), in order."""
    files = [requirements]
    for line in requirements.read_text().splitlines():
        match = re.match(r"(?:-r|--requirement)[ =]?\s*(\S+)", line.strip())
        if match:
            for path in included(requirements.parent / match.group(1)):
                if path not in files:
                    files.append(path)
    return files


def requirement_names(requirements: Path) -> set[str]:
    """The normalised project names `requirements` and the files it includes ask for."""
    names = set()
    for path in included(requirements):
        for line in path.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)", line)
            if match and not line.startswith("-"):
                names.add(normalise(match.group(1)))
    return names


def digest(requirements: Path) -> str:
    """What `requirements` installs, as one digest: its text and that of the files it
    includes (a change in requirements.txt must reinstall requirements-dev.txt too)."""
    hashed = hashlib.sha256()
    for path in included(requirements):
        hashed.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return hashed.hexdigest()


def stamp(venv_dir: Path, requirements: Path) -> Path:
    return venv_dir / STAMPS / f"{requirements.name}.sha256"


def installed(venv_dir: Path, requirements: Path) -> bool:
    """Whether `requirements` (as it is now) was installed into `venv_dir`."""
    path = stamp(venv_dir, requirements)
    return path.exists() and path.read_text() == digest(requirements)


def _pip_command(python: Path, args: list[str]) -> list[str]:
    command = [str(python), "-m", "pip", *args, "--progress-bar", "off"]
    return [*command, "--disable-pip-version-check", "--no-input"]


def pip(
    python: Path,
    args: list[str],
    on_line: Callable[[str], None],
    on_idle: Callable[[], None] = lambda: None,
) -> None:
    """Run pip quietly: each line of its output goes to `on_line`, and `on_idle()` is called
    about every second while pip prints nothing; all of it is shown if pip fails (and then
    CalledProcessError is raised)."""
    command = _pip_command(python, args)
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    assert process.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()

    def read(stream) -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, args=(process.stdout,), daemon=True).start()
    seen: list[str] = []
    while True:
        try:
            line = lines.get(timeout=IDLE_EVERY)
        except queue.Empty:
            on_idle()
            continue
        if line is None:
            break
        seen.append(line)
        on_line(line.rstrip("\n"))
    if process.wait():
        sys.stdout.write("".join(seen))
        sys.stdout.flush()
        raise subprocess.CalledProcessError(process.returncode, command)


class Progress:
    """Turns pip's lines into a few of the launcher's: how many packages pip has collected
    (each one it downloads or takes from its cache, dependencies included), then how many it
    installs, and a line whenever pip has been silent for a while."""

    # "Collecting name==1.0", or "Processing ./name-1.0-py3-none-any.whl" for a local wheel
    # (whose file name spells the project with underscores).
    COLLECTED = re.compile(r"Collecting ([A-Za-z0-9][A-Za-z0-9._-]*)|Processing (?:\S*/)?([^-/]+)-")

    def __init__(self) -> None:
        self.collected: list[str] = []
        self.installing = 0
        self.started = self.said = time.monotonic()

    def say(self, text: str) -> None:
        self.said = time.monotonic()
        say(text)

    def line(self, text: str) -> None:
        if text.startswith("Installing collected packages:"):
            self.installing = len(text.split(":", 1)[1].split(","))
            which = f"{len(self.collected)} collected; installing"
            self.say(f"      {which} {count(self.installing, 'package')} ...")
            return
        match = self.COLLECTED.match(text)
        if not match:
            return
        shown = match.group(1) or match.group(2)
        name = normalise(shown)
        if name in self.collected:
            return
        self.collected.append(name)
        if len(self.collected) == 1 or time.monotonic() - self.said >= COLLECTED_EVERY:
            self.say(f"      {len(self.collected)} collected ({shown})")

    def idle(self) -> None:
        """pip is busy and silent (resolving, downloading a large wheel, installing)."""
        if time.monotonic() - self.said < QUIET_SECONDS:
            return
        if self.installing:
            doing = f"installing {count(self.installing, 'package')}"
        else:
            doing = f"collecting ({len(self.collected)} so far)"
        self.say(f"      still {doing}, {time.monotonic() - self.started:.0f} s in ...")


def ensure_venv(venv_dir: Path = VENV, requirements: Path = REQUIREMENTS) -> bool:
    """Create the virtual environment if it is missing and install `requirements` when it
    (or a file it includes) changed since its last install; a few lines per step, never
    pip's own output unless it fails. True when anything was installed."""
    python = venv_python(venv_dir)
    fresh = not python.exists()
    if not fresh and installed(venv_dir, requirements):
        return False
    started = time.monotonic()
    steps = 3 if fresh else 1
    step = 0

    def begin(text: str) -> None:
        nonlocal step
        step += 1
        say(f"[{step}/{steps}] {text}")

    wanted = requirement_names(requirements)
    if fresh:
        # Said before anything happens, so a quiet minute does not look like a hang.
        say(
            f"First start: this takes a few minutes. It creates {venv_dir.name} and installs "
            f"{count(len(wanted), 'package')} and what they need (downloaded and unpacked "
            f"once; later starts reuse {venv_dir.name} and take seconds)."
        )
        begin(f"Creating the virtual environment {venv_dir.name} ...")
        venv.EnvBuilder(with_pip=True).create(venv_dir)
        begin("Upgrading pip ...")
        pip(python, ["install", "-q", "--upgrade", "pip"], lambda line: None)
    begin(
        f"Installing {requirements.name} ({count(len(wanted), 'package')} and what they need) ..."
    )
    progress = Progress()
    pip(python, ["install", "-r", str(requirements)], progress.line, progress.idle)
    # Stamped only now: a failed install is tried again next time. The files it includes
    # were installed with it.
    (venv_dir / STAMPS).mkdir(exist_ok=True)
    for path in included(requirements):
        stamp(venv_dir, path).write_text(digest(path))
    say(f"      done in {time.monotonic() - started:.0f} s")
    return True
