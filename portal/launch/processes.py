"""The processes the launcher starts, and signals: a signal to the launcher stops every child
it started, once, in order, and nothing is left running.

SIGINT, SIGTERM and SIGHUP become `Interrupted` (by default SIGTERM and SIGHUP end Python at
once: no `finally`, no atexit), so the launcher always stops its children and releases the
embedded server.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from portal.launch.common import ROOT, say

STOP_TIMEOUT = 30  # seconds a child may take to stop before it is killed
# Steps that need a real database session (migrations), not a transaction pooler.
SESSION_STEPS = {"setup_portal"}


class Interrupted(BaseException):
    """SIGINT, SIGTERM or SIGHUP reached the launcher: stop what it started, then exit."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


_received: list[int] = []


def _on_signal(signum, frame) -> None:
    _received.append(signum)
    if len(_received) == 1:  # later ones must not interrupt the stopping
        raise Interrupted(signum)


def stopping() -> None:
    """From now on a signal is only recorded: it must not interrupt the stopping itself."""
    _received.append(0)


def catch_signals() -> None:
    """Turn SIGINT, SIGTERM and SIGHUP into `Interrupted`. SIGHUP stays ignored under nohup."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        if signum == signal.SIGHUP and signal.getsignal(signum) == signal.SIG_IGN:
            continue
        signal.signal(signum, _on_signal)


def terminal_signals_us() -> bool:
    """True when the launcher's process group is its terminal's foreground group: Ctrl-C then
    reached every process of that group, children included, by itself."""
    try:
        return os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp()
    except OSError:
        return False


def die_with_parent(signum: int = signal.SIGTERM) -> Callable[[], None]:
    """For a child's process, before it runs: `signum` when the process that started it ends
    (Linux's PR_SET_PDEATHSIG), also after that process has exec'd gunicorn."""

    def arrange() -> None:
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signum)

    return arrange


class Child:
    """A long-running process the launcher started, and how it is asked to stop."""

    def __init__(
        self,
        name: str,
        command: list[str],
        *,
        stop_signal: int,
        own_group: bool,
        env: dict | None = None,
        stderr: int | None = None,
    ):
        self.name, self.stop_signal, self.own_group = name, stop_signal, own_group
        linux = sys.platform.startswith("linux")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stderr=stderr,
            # A process group of its own: stopping it reaches its own children too (runserver's
            # autoreloader runs the server in a second process), and Ctrl-C reaches only the
            # launcher, which stops every child once, in order.
            process_group=0 if own_group else None,
            preexec_fn=die_with_parent(stop_signal) if linux else None,
        )

    def signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            if self.own_group:
                os.killpg(self.process.pid, signum)
            else:
                self.process.send_signal(signum)


class Children:
    """The launcher's children: started in order, stopped all together."""

    def __init__(self) -> None:
        self.children: list[Child] = []

    def start(self, name: str, command: list[str], **options) -> Child:
        child = Child(name, command, **options)
        self.children.append(child)
        return child

    def wait_any(self) -> Child:
        """Wait until one of the children exits; that one."""
        while True:
            for child in self.children:
                if child.process.poll() is not None:
                    return child
            time.sleep(0.2)

    def stop(self, signum: int | None = None) -> None:
        """Ask every child still running to stop (its own stop signal; a child that shares the
        launcher's group already has a Ctrl-C from the terminal), then wait, then kill."""
        stopping()
        for child in self.children:
            if child.process.poll() is not None:
                continue
            if child.own_group or not (signum == signal.SIGINT and terminal_signals_us()):
                child.signal(child.stop_signal if child.own_group else (signum or signal.SIGTERM))
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in self.children:
            try:
                child.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                say(f"The {child.name} did not stop within {STOP_TIMEOUT} s; killing it.")
                child.signal(signal.SIGKILL)
                child.process.wait()
            if child.own_group:  # whatever its group still holds (a reloaded server)
                child.signal(signal.SIGKILL)


def direct_environment(environ) -> dict | None:
    """The environment for commands that need a real database session (`setup_portal`:
    migrations): behind a transaction pooler, DATABASE_URL is DATABASE_DIRECT_URL and no
    pooler; None (this process's environment) without one."""
    if environ.get("DATABASE_POOLER", "") != "transaction":
        return None
    direct = {**environ, "DATABASE_URL": environ.get("DATABASE_DIRECT_URL", "")}
    direct.pop("DATABASE_POOLER")
    return direct


def run_step(args: list[str]) -> None:
    """One set-up step (`manage.py <args>`), in the foreground: it prints its one-line summary
    and, if it fails, everything it has to say; a failure stops the launcher."""
    env = direct_environment(os.environ) if args[0] in SESSION_STEPS else None
    process = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env)
    try:
        code = process.wait()
    except Interrupted as stop:
        # Ctrl-C from the terminal reached the step too; any other signal is passed on.
        if not (stop.signum == signal.SIGINT and terminal_signals_us()):
            process.send_signal(stop.signum)
        process.wait()
        raise
    if code:
        raise SystemExit(code)


def pass_on(stream, *, first_line_now: bool = False) -> None:
    """Copy a child's output pipe to the launcher's stderr, in a thread of its own."""
    if first_line_now:
        sys.stderr.write(stream.readline().decode(errors="replace"))
        sys.stderr.flush()

    def copy() -> None:
        for line in stream:
            sys.stderr.write(line.decode(errors="replace"))
            sys.stderr.flush()

    threading.Thread(target=copy, daemon=True).start()
