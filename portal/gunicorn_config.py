"""gunicorn's configuration for the production command (`-c python:portal.gunicorn_config`).

- Its own log lines (start, workers, errors) are JSON objects like the portal's
  (python-json-logger); it writes no access log: the portal logs each request itself,
  without query strings (portal.requestlog). gunicorn built an access record for every
  request all the same (the environ, the atoms, a log record) whenever a logging
  configuration is given, only for its logger to drop it: `PortalLogger` builds none
  unless `accesslog` names a log (2-3% of a request's CPU, issue 19 item 14).
- Metrics shared between worker processes (prometheus_client's multiprocess mode, in
  PROMETHEUS_MULTIPROC_DIR): a worker that exits is marked dead, and when the server stops
  it removes the folder if the launcher made it (PORTAL_METRICS_DIR_OWNED).
- A deadline for a connection's first request headers (`REQUEST_HEADER_TIMEOUT`, 10 s).
  gunicorn 27's asgi worker bounds the wait for the headers of every later request on a
  connection (`--keep-alive`) but not the first: a connection that sends nothing, or stops
  in the middle of its headers, was held until the client left (4,100 held in one test).
  It has no setting for this (`--timeout` watches the worker, not connections), so each
  worker's connections use `HeaderDeadlineProtocol`, which starts the keep-alive timer it
  already has for later requests when the connection opens, for the header deadline; the
  worker cancels it when the headers are complete, as for every later request.
- Which peers may set the scheme (`X-Forwarded-Proto`) and other forwarded headers:
  exactly TRUSTED_PROXIES, the portal's own setting (`common.net`). gunicorn's default
  (`FORWARDED_ALLOW_IPS`, else 127.0.0.1 and ::1) believed any local peer whatever the
  portal was told, so with TRUSTED_PROXIES empty a local client's `X-Forwarded-Proto:
  https` skipped the HTTPS redirect. Empty: no peer (on a TCP address) sets them.
"""

import ipaddress
import os
import shutil

from gunicorn.glogging import Logger

from portal.logformat import JSON_LOG_FORMATTER


class PortalLogger(Logger):
    """gunicorn's logger, building access records only for an access log named by
    `accesslog` (gunicorn: also whenever any logging configuration is given)."""

    def _compute_access_log_enabled(self):
        return bool(self.cfg.accesslog)


logger_class = PortalLogger
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


def forwarded_allow(value: str) -> str:
    """TRUSTED_PROXIES (comma-separated addresses or networks, read as the settings read
    it) as gunicorn's `forwarded_allow_ips`; a network with host bits set is normalised,
    as `common.net` accepts it. A malformed entry stops the server here, as it fails
    `manage.py check`."""
    entries = [entry.strip() for entry in value.split(",") if entry.strip()]
    return ",".join(str(ipaddress.ip_network(entry, strict=False)) for entry in entries)


forwarded_allow_ips = forwarded_allow(os.environ.get("TRUSTED_PROXIES", ""))
# The one scheme header the portal reads (gunicorn also believed X-Forwarded-Protocol and
# X-Forwarded-Ssl, which the portal never looks at).
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

HEADER_TIMEOUT = float(os.environ.get("REQUEST_HEADER_TIMEOUT", "10"))


def header_deadline_protocol(base):
    """`base` (gunicorn's ASGIProtocol) closing a connection whose first request headers
    are not complete within HEADER_TIMEOUT. It uses the protocol's own keep-alive timer
    (armed, cancelled when the headers arrive, closing the connection when it fires), so
    it relies on names checked by tests/portal/test_request_bounds.py against the
    installed gunicorn."""

    class HeaderDeadlineProtocol(base):
        def _start_http1(self, *args, **kwargs):
            super()._start_http1(*args, **kwargs)
            if self._keepalive_handle is None and HEADER_TIMEOUT > 0:
                self._keepalive_handle = self.worker.loop.call_later(
                    HEADER_TIMEOUT, self._keepalive_timeout
                )

    return HeaderDeadlineProtocol


def post_worker_init(worker):
    """In each asgi worker, before it listens: its connections get the header deadline (the
    worker builds them from its module's ASGIProtocol)."""
    from gunicorn.workers import gasgi  # noqa: PLC0415  (only the asgi worker has it)

    if isinstance(worker, gasgi.ASGIWorker):
        gasgi.ASGIProtocol = header_deadline_protocol(gasgi.ASGIProtocol)  # type: ignore[misc]


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess  # noqa: PLC0415

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder and os.environ.get("PORTAL_METRICS_DIR_OWNED") == "1":
        shutil.rmtree(folder, ignore_errors=True)
