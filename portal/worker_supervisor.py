"""Keep the task worker running: `manage.py run_worker` runs `manage.py procrastinate worker`
as its child and starts it again whenever it exits, after a pause that doubles with each
quick exit (1 s, 2 s, 4 s ... at most 60 s) and starts over once a worker has run for
HEALTHY_AFTER seconds.

Why: procrastinate's worker stops for good when its database connection breaks (a database
restart: "Side task listener failed ... stopping worker"), and nothing else would start it:
`serve` and `serve --production` start it once. Why a child process and not a loop around
the worker inside this process: a fresh process has fresh connections, a fresh event loop
and none of the old worker's threads (a sync job stuck on a dead connection), and the
backoff keeps a database that is down for minutes from being hammered by restarts.

A stop signal (SIGTERM, SIGINT, SIGHUP) is passed on to the worker, once (it runs in a
process group of its own), which finishes its running jobs and exits; then the supervisor
exits too and starts nothing more. The worker also gets SIGTERM when the supervisor dies
(PR_SET_PDEATHSIG on Linux).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence

from portal.launch.processes import die_with_parent

FIRST_DELAY = 1.0
MAX_DELAY = 60.0
HEALTHY_AFTER = 300.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def say(text: str) -> None:
    sys.stderr.write(f"[run_worker] {text}\n")
    sys.stderr.flush()


class Supervisor:
    """Runs `command` again and again with backoff until `stop()` (or a stop signal)."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        first_delay: float = FIRST_DELAY,
        max_delay: float = MAX_DELAY,
        healthy_after: float = HEALTHY_AFTER,
        report: Callable[[str], None] = say,
    ):
        self.command = list(command)
        self.first_delay, self.max_delay = first_delay, max_delay
        self.healthy_after = healthy_after
        self.report = report
        self.restarts = 0
        self.child: subprocess.Popen | None = None
        self._stopping = threading.Event()

    def stop(self, signum: int = signal.SIGTERM) -> None:
        self._stopping.set()
        child = self.child
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    def _on_signal(self, signum: int, frame: object) -> None:
        self.stop(signum)

    def install_signal_handlers(self) -> None:
        for signum in STOP_SIGNALS:
            if signum == signal.SIGHUP and signal.getsignal(signum) == signal.SIG_IGN:
                continue  # under nohup
            signal.signal(signum, self._on_signal)

    def run(self) -> int:
        """Until stopped; the last worker's exit code."""
        delay, code = self.first_delay, 0
        linux = sys.platform.startswith("linux")
        while not self._stopping.is_set():
            started = time.monotonic()
            self.child = subprocess.Popen(  # noqa: S603 - our own manage.py command
                self.command,
                preexec_fn=die_with_parent() if linux else None,
                # A group of its own: a signal to the supervisor's group (the launcher's
                # stop, Ctrl-C) reaches the worker once, passed on by `stop`. procrastinate
                # takes its first signal as "finish your jobs" and then restores the
                # default handlers, so a second one would kill it mid-job.
                process_group=0,
            )
            if self._stopping.is_set():  # a signal came while it was starting
                self.child.send_signal(signal.SIGTERM)
            code = self.child.wait()
            if self._stopping.is_set():
                break
            if time.monotonic() - started >= self.healthy_after:
                delay = self.first_delay
            self.restarts += 1
            self.report(
                f"The task worker exited (code {code}) after {time.monotonic() - started:.1f} s;"
                f" restart {self.restarts} in {delay:g} s."
            )
            self._stopping.wait(delay)
            delay = min(delay * 2, self.max_delay)
        return code
