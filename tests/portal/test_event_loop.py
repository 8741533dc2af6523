"""The production server's workers run uvloop (portal/gunicorn_config.py: `asgi_loop`), and
a deployment without it does not start rather than silently running asyncio's loop."""

import logging
import os
import subprocess
import sys

import uvloop
from gunicorn.config import Config
from gunicorn.workers.gasgi import ASGIWorker

from portal import gunicorn_config
from tests.live.server import ROOT


def _worker_loop(asgi_loop: str):
    """The loop gunicorn's ASGI worker sets up with `asgi_loop` (nothing else started)."""
    cfg = Config()
    cfg.set("asgi_loop", asgi_loop)
    worker = ASGIWorker.__new__(ASGIWorker)
    worker.cfg = cfg
    worker.log = logging.getLogger("test")
    worker._setup_event_loop()
    try:
        return type(worker.loop)
    finally:
        worker.loop.close()


def test_the_configuration_asks_for_uvloop_and_the_worker_builds_it():
    assert gunicorn_config.asgi_loop == "uvloop"
    assert issubclass(_worker_loop(gunicorn_config.asgi_loop), uvloop.Loop)
    assert not issubclass(_worker_loop("asyncio"), uvloop.Loop)  # the check can fail


def test_the_configuration_does_not_load_without_uvloop(tmp_path):
    """With uvloop hidden, loading the configuration fails (gunicorn then exits)."""
    (tmp_path / "uvloop.py").write_text("raise ImportError('no uvloop here')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "import portal.gunicorn_config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "no uvloop here" in result.stderr
    plain = subprocess.run(
        [sys.executable, "-c", "import portal.gunicorn_config"], cwd=ROOT, capture_output=True
    )
    assert plain.returncode == 0, plain.stderr
