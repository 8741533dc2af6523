"""gunicorn's configuration for the production command (`-c python:portal.gunicorn_config`).

- Its own log lines (start, workers, errors) are JSON objects like the portal's
  (python-json-logger); it writes no access log: the portal logs each request itself,
  without query strings (portal.requestlog).
- Metrics shared between worker processes (prometheus_client's multiprocess mode, in
  PROMETHEUS_MULTIPROC_DIR): a worker that exits is marked dead, and when the server stops
  it removes the folder if the launcher made it (PORTAL_METRICS_DIR_OWNED).
"""

import os
import shutil

from portal.logformat import JSON_LOG_FORMATTER

accesslog = None
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": JSON_LOG_FORMATTER},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        }
    },
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess  # noqa: PLC0415

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder and os.environ.get("PORTAL_METRICS_DIR_OWNED") == "1":
        shutil.rmtree(folder, ignore_errors=True)
