"""What an operator tunes beyond the backing services: the limits of agent throttling, the
reverse proxies in front of the portal, who may scrape /metrics, the probes' and request
bodies' timeouts, and the log records. Imported by base.py (`from .operations import *`).
"""

import environ

__all__ = [
    "AGENT_TOKEN_BLOCKED_INTERVAL",
    "AGENT_TOKEN_FAILURE_LIMIT",
    "AGENT_TOKEN_FAILURE_WINDOW",
    "FINISHED_JOBS_KEEP_DAYS",
    "LOGGING",
    "METRICS_ALLOWED_ADDRESSES",
    "METRICS_TOKEN",
    "OAUTH_TOKEN_ADDRESS_LIMIT",
    "PASSWORD_RESET_MAILS_PER_EMAIL",
    "PASSWORD_RESET_REQUESTS_PER_CLIENT",
    "PASSWORD_RESET_WINDOW",
    "OAUTH_TOKEN_CLIENT_FAILURE_LIMIT",
    "OAUTH_TOKEN_CLIENT_FAILURE_WINDOW",
    "READYZ_REQUIRE_WORKER",
    "READYZ_TIMEOUT",
    "REQUEST_BODY_TIMEOUT",
    "TRUSTED_PROXIES",
    "TRUSTED_PROXY_COUNT",
    "WORKER_STALE_AFTER",
]

env = environ.Env()

# Failed registration-token uses (unknown, expired, deleted, mistyped) allowed per client
# address within the window, before that address gets 429.
AGENT_TOKEN_FAILURE_LIMIT = env.int("AGENT_TOKEN_FAILURE_LIMIT", default=10)
AGENT_TOKEN_FAILURE_WINDOW = env.int("AGENT_TOKEN_FAILURE_WINDOW", default=600)
# While an address is blocked it still gets one token lookup this often (seconds), so a
# valid agent behind a shared address gets through within a minute.
AGENT_TOKEN_BLOCKED_INTERVAL = env.int("AGENT_TOKEN_BLOCKED_INTERVAL", default=20)
# The API clients' token endpoint (tenants/api_clients/throttling.py): requests a minute from
# one client address, and failed authentications naming one client id within the window
# (seconds); over either, 429.
OAUTH_TOKEN_ADDRESS_LIMIT = env.int("OAUTH_TOKEN_ADDRESS_LIMIT", default=30)
OAUTH_TOKEN_CLIENT_FAILURE_LIMIT = env.int("OAUTH_TOKEN_CLIENT_FAILURE_LIMIT", default=10)
OAUTH_TOKEN_CLIENT_FAILURE_WINDOW = env.int("OAUTH_TOKEN_CLIENT_FAILURE_WINDOW", default=600)
# Password reset requests (portal/password_reset.py): mails to one email address, and
# requests from one client address, within the window (seconds).
PASSWORD_RESET_MAILS_PER_EMAIL = env.int("PASSWORD_RESET_MAILS_PER_EMAIL", default=3)
PASSWORD_RESET_REQUESTS_PER_CLIENT = env.int("PASSWORD_RESET_REQUESTS_PER_CLIENT", default=10)
PASSWORD_RESET_WINDOW = env.int("PASSWORD_RESET_WINDOW", default=3600)
# How many reverse proxies in front of the portal append to X-Forwarded-For (0: none). The
# client address for throttling and the audit log is taken from that hop.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# The addresses or networks of those proxies: X-Forwarded-For and X-Forwarded-Proto are
# believed only when the immediate peer (REMOTE_ADDR) is one of them.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# /metrics: client addresses or networks that may scrape (empty: none), and a bearer token
# that may scrape from anywhere (empty: none). See portal/metrics.py.
METRICS_ALLOWED_ADDRESSES = env.list("METRICS_ALLOWED_ADDRESSES", default=[])
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# /readyz waits this long (seconds) for its database and cache checks, then answers 503.
READYZ_TIMEOUT = env.float("READYZ_TIMEOUT", default=2.0)
# /readyz also checks that a task worker reported in within WORKER_STALE_AFTER seconds
# (portal/worker_health.py). Off by default: a deployment without a worker, or whose web
# instances must stay in service while the worker is down, watches the /metrics gauge
# portal_task_worker_heartbeat_age_seconds instead. See docs/operations.md.
READYZ_REQUIRE_WORKER = env.bool("READYZ_REQUIRE_WORKER", default=False)
WORKER_STALE_AFTER = env.float("WORKER_STALE_AFTER", default=60.0)

# The task worker's finished jobs (procrastinate_jobs: a reminder scan every minute) are
# deleted this many days after they succeeded (tokens/tasks.py, remove_old_jobs, hourly).
FINISHED_JOBS_KEEP_DAYS = env.int("FINISHED_JOBS_KEEP_DAYS", default=7)

# Seconds a request body may take to arrive under the production (ASGI) server; then 408.
REQUEST_BODY_TIMEOUT = env.int("REQUEST_BODY_TIMEOUT", default=30)

# --- Logging --------------------------------------------------------------------------------
# One record per request on `portal.request` (portal.requestlog): off here (the development
# server prints its own lines), on in production, where every record is one JSON line.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "portal.requestlog.RequestIdFilter"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # The task worker's job lines stay; its task registration at every start is noise.
    "loggers": {
        # Django's own default config gives the "django" logger a console handler of its own
        # (while DEBUG is on) and lets it propagate to the root's too, so every line it logged
        # appeared twice ("Watching for file changes with StatReloader"): root's handler only.
        # (Configuring "django" resets its children, so the development server's request
        # lines get Django's own handler and format back here.)
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "procrastinate.blueprints": {"level": "WARNING"},
        "procrastinate.periodic": {"level": "WARNING"},
        "portal.request": {"level": "WARNING"},
        # oauthlib logs every token it issues (and the request that asked) at DEBUG: no
        # LOG_LEVEL may write a secret, so these two never go below INFO.
        "oauthlib": {"level": "INFO"},
        "oauth2_provider": {"level": "INFO"},
        # django-axes logs each sign-in as "AXES: Successful login by {username: "****", ...}"
        # (INFO, fields starred): noise on the console. Its warnings (lock-outs) stay.
        "axes": {"level": "WARNING"},
    },
}
