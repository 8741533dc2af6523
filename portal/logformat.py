"""The production log format: one JSON object a line (python-json-logger), shared by the
Django settings and gunicorn's configuration (which must not import the settings)."""

from pythonjsonlogger.core import RESERVED_ATTRS

JSON_LOG_FORMATTER = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
    "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"},
    "datefmt": "%Y-%m-%dT%H:%M:%S%z",
    # Beside the record's own attributes, never the `request` Django's loggers attach: its
    # text is the full URL, query string included.
    "reserved_attrs": [*RESERVED_ATTRS, "request"],
}


def json_logging(level: str) -> dict:
    """LOGGING for production: every record one JSON line on standard output."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "portal.requestlog.RequestIdFilter"}},
        "formatters": {"json": JSON_LOG_FORMATTER},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "procrastinate.blueprints": {"level": "WARNING"},
            "procrastinate.periodic": {"level": "WARNING"},
            # Its "Not Found: /path" warnings repeat the request log; errors stay.
            "django.request": {"level": "ERROR"},
            "portal.request": {"level": "INFO"},
            # oauthlib logs every token it issues (and the request that asked) at DEBUG: no
            # LOG_LEVEL may write a secret, so these two never go below INFO.
            "oauthlib": {"level": "INFO"},
            "oauth2_provider": {"level": "INFO"},
            "axes": {"level": "WARNING"},  # its per-sign-in INFO lines star every field
        },
    }
