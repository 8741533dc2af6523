"""Production settings: every secret comes from the environment, with no default."""

from ..logformat import json_logging
from .base import *  # noqa: F403
from .base import cache_config, env, mail_from_env

PORTAL_ENVIRONMENT = "production"
DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Password reset mails go through the SMTP server in EMAIL_URL (required).
globals().update(mail_from_env())

# No SECURE_PROXY_SSL_HEADER: it believes X-Forwarded-Proto from anyone.
# portal.middleware.TrustedProxyMiddleware takes it from TRUSTED_PROXIES only.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Load balancers, orchestrators and Prometheus probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

# Static files are collected (`manage.py collectstatic`) and served by WhiteNoise.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
CACHES = {"default": cache_config(env.str("CACHE_URL"))}

# The production server (gunicorn's ASGI worker) runs each request's code in a thread of its
# own, so a connection kept per thread (CONN_MAX_AGE) would never be reused and would pile
# up: every worker process lends connections from a psycopg pool instead.
# (New dictionaries, not base's changed in place: base's are shared with whatever imported it.)
_database = DATABASES["default"]  # noqa: F405
_pool = {"min_size": 2, "max_size": env.int("DATABASE_POOL_SIZE", default=10), "timeout": 10}
DATABASES = {
    **DATABASES,  # noqa: F405 - with DATABASE_POOLER=transaction, also the `direct` alias
    "default": {
        **_database,
        "CONN_MAX_AGE": 0,
        "OPTIONS": {**_database.get("OPTIONS", {}), "pool": _pool},
    },
}

# One JSON line per log record on standard output, one record per request (portal.requestlog).
LOGGING = json_logging(env.str("LOG_LEVEL", default="INFO"))
