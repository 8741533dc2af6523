"""Settings shared by every environment. Values come from the environment (django-environ).

Environment-specific modules (`local`, `test`, `production`) import this one and supply the
values that must differ, such as SECRET_KEY and DEBUG; production has no insecure defaults.
"""

import datetime
from pathlib import Path
from urllib.parse import unquote

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

# "local", "test" or "production"; seed_demo refuses to run in production.
PORTAL_ENVIRONMENT = "base"

# --- Applications -------------------------------------------------------------------------
# django-tenants keeps one PostgreSQL schema per tenant. SHARED_APPS live in the public
# schema, TENANT_APPS in every tenant's schema.
SHARED_APPS = [
    # Tenants, users, roles and the audit log: users sign in before any tenant is chosen.
    # First, because the first app's command of a name wins: its `migrate` and
    # `migrate_schemas` are django-tenants' followed by the template schema's migration.
    "tenants",
    # Before every other app: its schema-aware migrate commands (which tenants' extend) and
    # test helpers win over Django's.
    "django_tenants",
    # Registration tokens are presented by agents before anyone knows their tenant.
    "tokens",
    # The directory of every customer's devices: lists across customers read one table.
    "agents.directory",
    # Auth, sessions and messages serve the whole site, whatever tenant is being worked on.
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    # The admin, scoped per selected tenant; its log entries point at public users.
    "portal.apps.PortalAdminConfig",
    # Failed sign-ins, counted in the public schema's tables (every worker process shares them).
    "axes",
    "django.contrib.staticfiles",
    "rest_framework",
    # API clients: django-oauth-toolkit's applications and access tokens (public schema).
    "oauth2_provider",
    "drf_spectacular",
    # Swagger UI's files, served by the portal itself (no CDN).
    "drf_spectacular_sidecar",
    "csp",
    # Reminder mails (tokens/tasks.py): a task queue and its periodic scan, kept in the
    # public schema's tables; `manage.py procrastinate worker` runs them.
    "procrastinate.contrib.django",
    # The project package: cross-app pages and services, seed_demo, template tags.
    "portal.apps.PortalConfig",
]
TENANT_APPS = [
    # Devices and protection plans belong to one customer and live in its schema.
    "agents",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
# A migrated, empty schema that new tenants are cloned from (much faster than migrating).
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# Skip repeated `SET search_path` calls when the schema has not changed.
TENANT_LIMIT_SET_CALLS = True
# The tenant's search path travels with every statement (portal.postgresql), never as the
# session's state, so a transaction pooler cannot carry one client's tenant to another.
# Only the test settings can choose "session" (django-tenants' own binding), for the leak test.
TENANT_SEARCH_PATH_BINDING = "statement"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

AUTH_USER_MODEL = "tenants.User"

MIDDLEWARE = [
    # Request counts and latencies for /metrics (django-prometheus: first and last).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # The request id (X-Request-ID, in API error bodies) and one log line per request.
    "portal.requestlog.RequestLogMiddleware",
    # X-Forwarded-Proto counts only from TRUSTED_PROXIES (before the HTTPS redirect).
    "portal.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (django-csp; the policy is below).
    "csp.middleware.CSPMiddleware",
    # Serves the vendored static files from the app itself, in every environment.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every request starts and ends in the public schema; views select a tenant explicitly.
    "portal.middleware.PublicSchemaMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The page's language (after sessions, before CommonMiddleware, as Django asks): the
    # footer's choice (cookie), else Accept-Language; /api/ always answers in English.
    "portal.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # LANGUAGE_CODE and LANGUAGES for <html lang> and the footer's language selector.
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Content-Security-Policy (django-csp 4) ---------------------------------------------------
# Everything comes from the portal itself: no inline script, style or event handler (the
# templates keep them in portal/static), no eval, no plugins, no framing by other sites.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Swagger UI's and the admin's icons are data: URIs.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# --- Database -----------------------------------------------------------------------------


def database_from_env(variable: str = "DATABASE_URL") -> dict:
    """Read DATABASE_URL (or `variable`), with the django-tenants engine.

    A unix-socket folder arrives as a percent-encoded host (libpq's URL form), which
    django-environ leaves encoded; psycopg needs the plain path.
    """
    config = env.db(variable)
    # django-tenants' backend, minus the search_path statements it repeats (see the module).
    config["ENGINE"] = "portal.postgresql"
    config["HOST"] = unquote(config.get("HOST") or "")
    # Persistent connections: a new PostgreSQL connection per request halves agent throughput
    # (measured by tests/benchmarks/bench_agent_register.py). Requests reset search_path.
    config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    return config


# A transaction pooler (PgBouncer with `pool_mode = transaction`) in front of PostgreSQL:
# DATABASE_POOLER=transaction, DATABASE_URL naming the pooler and DATABASE_DIRECT_URL the
# server itself. Each transaction may then run on another server connection, so nothing may
# rely on a session: the search path travels with every statement (always, see
# portal.postgresql), no server-side cursors (a WITH HOLD cursor outlives its transaction),
# no prepared statements (psycopg's prepare_threshold None, Django's default, stated here);
# Django's remaining session settings (TimeZone, client_encoding) are parameters PgBouncer
# tracks per client and sets on each server connection it lends. What needs a real session
# uses the direct URL: the task worker (procrastinate's LISTEN/NOTIFY and advisory locks,
# through the `direct` alias) and `setup_portal` (the launcher runs it with that URL).
DATABASE_POOLERS = ("", "transaction")
DATABASE_POOLER = env.str("DATABASE_POOLER", default="")
if DATABASE_POOLER not in DATABASE_POOLERS:
    raise ImproperlyConfigured(
        f"DATABASE_POOLER must be empty or 'transaction', not {DATABASE_POOLER!r}."
    )


def pooled_database(config: dict) -> dict:
    """`config` (the pooler's address) with what a transaction pooler needs."""
    return {
        **config,
        "DISABLE_SERVER_SIDE_CURSORS": True,
        "OPTIONS": {**config.get("OPTIONS", {}), "prepare_threshold": None},
    }


DATABASES = {"default": database_from_env()}
if DATABASE_POOLER == "transaction":
    DATABASES = {
        "default": pooled_database(DATABASES["default"]),
        "direct": database_from_env("DATABASE_DIRECT_URL"),
    }
    PROCRASTINATE_DATABASE_ALIAS = "direct"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ---------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes' backend first: it refuses a locked-out sign-in before any password is checked.
# The user's tenant is loaded with the user: tenant pages of one's own tenant need no query.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "tenants.backends.TenantUserBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed sign-ins (django-axes, database handler): AXES_FAILURE_LIMIT failures for one
# username, or from one client address, refuse further sign-ins for that username or from
# that address with 429 for AXES_COOLOFF_TIME, known username or not, right password or not.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A success must not wipe the address's failures (one valid account would reset them all).
AXES_RESET_ON_SUCCESS = False
# The lock lasts the cool-off from the failure that set it; attempts during it do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "tenants.net.client_address"
AXES_LOCKOUT_CALLABLE = "tenants.sign_in.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# Its admin pages would sit outside the tenant scope; `manage.py axes_reset_username` unlocks.
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
# Keep failures only (dropped after the cool-off), not a row for every successful sign-in.
AXES_DISABLE_ACCESS_LOG = True

# --- Mail (password reset) -------------------------------------------------------------------
# EMAIL_URL in django-environ's form: smtp+tls://user:password@host:587, smtps://...:465,
# consolemail:// (print), memorymail:// (keep in memory). Each environment module reads it:
# `globals().update(mail_from_env(default))`.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Management portal <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A mail server that hangs must not hold a worker for long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)


def mail_from_env(default: str | None = None) -> dict:
    """The EMAIL_* settings from EMAIL_URL; without a default, EMAIL_URL is required."""
    if default is None:
        return env.email_url("EMAIL_URL")
    return env.email_url("EMAIL_URL", default=default)


# --- Internationalisation -----------------------------------------------------------------
# English is the default and the API's only language; pages are also in German and French
# (locale/<lang>/LC_MESSAGES/django.po, compiled by `manage.py compile_translations`).
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The footer's choice (Django's set_language view) is remembered for a year; no script reads it.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files (vendored; no CDN) --------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "portal" / "static"]

# --- Cache ----------------------------------------------------------------------------------
# Shared by every worker process (agent throttling counts failures here): a file cache on
# this machine by default, Redis (CACHE_URL=redis://...) in production. The cache is an aid,
# not a dependency (tenants.shared_cache): a stopped or hung Redis costs a request at most
# one socket timeout of CACHE_SOCKET_TIMEOUT seconds, never an error.
CACHE_SOCKET_TIMEOUT = env.float("CACHE_SOCKET_TIMEOUT", default=0.1)


def cache_config(url: str) -> dict:
    """The cache a CACHE_URL names: Redis with short socket timeouts (and no retries), or
    the file cache with atomic counters."""
    config = environ.Env.cache_url_config(url)
    if config["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache":
        config["BACKEND"] = "portal.filecache.FileCache"  # counters atomic across processes
    if config["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        config["OPTIONS"] = {
            "socket_connect_timeout": CACHE_SOCKET_TIMEOUT,
            "socket_timeout": CACHE_SOCKET_TIMEOUT,
            **config.get("OPTIONS", {}),
        }
    return config


CACHES = {
    "default": cache_config(
        env.str("CACHE_URL", default=f"filecache://{BASE_DIR / '.cache' / 'portal'}")
    )
}

# Failed registration-token uses (unknown, expired, deleted, mistyped) allowed per client
# address within the window, before that address gets 429.
AGENT_TOKEN_FAILURE_LIMIT = env.int("AGENT_TOKEN_FAILURE_LIMIT", default=10)
AGENT_TOKEN_FAILURE_WINDOW = env.int("AGENT_TOKEN_FAILURE_WINDOW", default=600)
# While an address is blocked it still gets one token lookup this often (seconds), so a
# valid agent behind a shared address gets through within a minute.
AGENT_TOKEN_BLOCKED_INTERVAL = env.int("AGENT_TOKEN_BLOCKED_INTERVAL", default=20)
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

# Seconds a request body may take to arrive under the production (ASGI) server; then 408.
REQUEST_BODY_TIMEOUT = env.int("REQUEST_BODY_TIMEOUT", default=30)

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    # An API client's access token (Authorization: Bearer) beside the browser session; the
    # agent endpoints name their own authentication, so they never accept either.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.api_auth.ApiClientAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only, bounded in size (API_MAX_BODY_SIZE: 413) and nesting depth (400).
    "DEFAULT_PARSER_CLASSES": ["tenants.parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "tenants.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tenants.api.exception_handler",
}
# The largest API request body (bytes); a larger one answers 413.
API_MAX_BODY_SIZE = env.int("API_MAX_BODY_SIZE", default=64 * 1024)
# What a client is told to wait (Retry-After, seconds) when the database is unavailable (503).
API_RETRY_AFTER = 3

# API clients (tenants.api_clients): django-oauth-toolkit as the authorization server, client
# credentials only. Access tokens live an hour and are kept as checksums only (the RFC 9700
# storage of 3.x: the `token` column stays empty); client secrets are hashed like passwords.
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "SCOPES": {"api": "The Management portal API, with the client's role and level"},
    "DEFAULT_SCOPES": ["api"],
    "OAUTH2_VALIDATOR_CLASS": "tenants.oauth.Validator",
    # Every RFC 9700 recommendation enforced (its 4.0 defaults); only client credentials
    # are used, so none of them takes anything away.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
# django-oauth-toolkit's own models (swappable; named so migrations can depend on them).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

SPECTACULAR_SETTINGS = {
    "TITLE": "Management portal API",
    "DESCRIPTION": "Tenants, users, protection plans and registration tokens.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request bodies get components of their own, with non-blank fields as minLength 1.
    "COMPONENT_SPLIT_REQUEST": True,
    "PATH_CONVERTER_OVERRIDES": {
        "slug": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
        "str": {"type": "string", "pattern": "^[^/]+$"},
    },
}

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
    },
}

CONSOLE_PAGE_SIZE = 25
MANAGEMENT_PAGE_SIZE = 50
