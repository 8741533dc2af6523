"""`manage.py run_worker` (portal/worker_supervisor.py): a task worker that exits is started
again, after a pause that doubles with each quick exit and starts over after a healthy run;
a stop signal stops the worker and the supervisor, and nothing is restarted after it."""

import os
import re
import signal
import threading
import time

from portal.worker_supervisor import Supervisor


def _supervise(command, **options):
    lines: list[str] = []
    supervisor = Supervisor(command, report=lines.append, **options)
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    return supervisor, thread, lines


def _delays(lines):
    return [float(re.search(r"in ([0-9.]+) s\.$", line).group(1)) for line in lines]


def test_a_worker_that_keeps_exiting_is_restarted_with_doubling_pauses_up_to_the_cap():
    supervisor, thread, lines = _supervise(
        ["/bin/sh", "-c", "exit 3"], first_delay=0.02, max_delay=0.08, healthy_after=60
    )
    deadline = time.monotonic() + 10
    while supervisor.restarts < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    supervisor.stop()
    thread.join(5)
    assert not thread.is_alive()
    assert _delays(lines)[:5] == [0.02, 0.04, 0.08, 0.08, 0.08]
    assert "exited (code 3)" in lines[0]


def test_the_pause_starts_over_after_a_healthy_run():
    supervisor, thread, lines = _supervise(
        ["/bin/sh", "-c", "sleep 0.15"], first_delay=0.01, max_delay=1, healthy_after=0.1
    )
    deadline = time.monotonic() + 10
    while supervisor.restarts < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    supervisor.stop()
    thread.join(5)
    assert _delays(lines)[:3] == [0.01, 0.01, 0.01]


def test_stop_ends_the_running_worker_and_restarts_nothing():
    supervisor, thread, lines = _supervise(["/bin/sh", "-c", "exec sleep 30"], first_delay=0.01)
    deadline = time.monotonic() + 5
    while supervisor.child is None and time.monotonic() < deadline:
        time.sleep(0.01)
    child = supervisor.child
    # Its own process group: a signal to the supervisor's group must not reach it twice.
    assert os.getpgid(child.pid) == child.pid
    time.sleep(0.1)
    started = time.monotonic()
    supervisor.stop(signal.SIGTERM)
    thread.join(5)
    assert not thread.is_alive() and time.monotonic() - started < 2
    assert child.returncode == -signal.SIGTERM
    assert supervisor.restarts == 0 and lines == []
