"""Settings shared by every environment. Values come from the environment (django-environ).

Environment-specific modules (`local`, `test`, `production`) import this one and supply the
values that must differ, such as SECRET_KEY and DEBUG; production has no insecure defaults.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF

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
    # Second factors (tenants.two_factor): django-otp's framework and TOTP devices, and
    # django-otp-webauthn's passkeys and security keys. Recovery codes are the portal's own.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp_webauthn",
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
    # Error answers under the original vendor's API v2 paths in its shape (vendorapi.errors):
    # inside the request log, outside everything that can refuse a request.
    "vendorapi.errors.VendorErrorMiddleware",
    # A declared body over its limit answers 413 before anything reads it (portal.bodylimit;
    # under the production server its ASGI wrapper has already applied the same rule).
    "portal.bodylimit.BodyLimitMiddleware",
    # X-Forwarded-Proto counts only from TRUSTED_PROXIES (before the HTTPS redirect).
    "portal.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (django-csp; the header is built once,
    # portal.csp_policy; the policy is below).
    "portal.csp_policy.CSPMiddleware",
    # Serves the vendored static files from the app itself, in every environment.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every request starts and ends in the public schema; views select a tenant explicitly.
    "portal.middleware.PublicSchemaMiddleware",
    # portal.console_middleware.*: the named middleware (Django's, django-otp's, the
    # portal's), passing the agent API's requests by (no session, language, user or
    # messages there); every other path gets it unchanged.
    "portal.console_middleware.SessionMiddleware",
    # The page's language (after sessions, before CommonMiddleware, as Django asks): the
    # footer's choice (cookie), else Accept-Language; /api/ always answers in English.
    "portal.console_middleware.PortalLocaleMiddleware",
    # A Host outside ALLOWED_HOSTS: the designed 400 also while DEBUG is on (portal.error_pages).
    "portal.error_pages.DesignedBadHostMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "portal.console_middleware.AuthenticationMiddleware",
    # user.is_verified(): whether this session passed a second factor (django-otp).
    "portal.console_middleware.OTPMiddleware",
    # A signed-in user owing a second factor, or an enrolment a level requires, reaches only
    # that page (tenants.two_factor_middleware); then the session record's "last seen".
    "portal.console_middleware.TwoFactorMiddleware",
    "portal.console_middleware.SessionRecordMiddleware",
    "portal.console_middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The designed 404, 400 and 405 pages also while DEBUG is on (portal.error_pages).
    "portal.error_pages.DesignedErrorPagesMiddleware",
    "portal.metrics_middleware.PrometheusAfterMiddleware",
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

# --- Database and cache (backends.py); limits, proxies, probes and logging (operations.py) --
from .backends import *  # noqa: E402
from .operations import *  # noqa: E402

# --- Auth: passwords, failed sign-ins, two-factor sign-in, sessions (signin.py) -----------
from .signin import *  # noqa: E402

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
    config = (
        env.email_url("EMAIL_URL")
        if default is None
        else env.email_url("EMAIL_URL", default=default)
    )
    # consolemail:// prints each mail readably (decoded subject, text body): portal/console_mail.py
    if config.get("EMAIL_BACKEND") == "django.core.mail.backends.console.EmailBackend":
        config["EMAIL_BACKEND"] = "portal.console_mail.ReadableConsoleBackend"
    return config


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

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    # An API client's access token (Authorization: Bearer) beside the browser session; the
    # agent endpoints name their own authentication, so they never accept either.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.api_clients.authentication.ApiClientAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only, bounded in size (API_MAX_BODY_SIZE: 413) and nesting depth (400).
    "DEFAULT_PARSER_CLASSES": ["api.parsers.BoundedJSONParser"],
    # REST framework's negotiation, with a short way for the Accept headers JSON satisfies.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.JSONFirstNegotiation",
    "DEFAULT_SCHEMA_CLASS": "api.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exception_handlers.exception_handler",
}
# The largest API request body (bytes); a larger one answers 413.
API_MAX_BODY_SIZE = env.int("API_MAX_BODY_SIZE", default=64 * 1024)
# What a client is told to wait (Retry-After, seconds) when the database is unavailable (503).
API_RETRY_AFTER = 3

# API clients (tenants.api_clients): django-oauth-toolkit as the authorization server, client
# credentials only. Access tokens live an hour and are kept as checksums only (the RFC 9700
# storage of 3.x: the `token` column stays empty); client secrets are long random values,
# stored as a keyed digest (tenants/api_clients/hashers.py says why not like passwords).
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "SCOPES": {"api": "The Management portal API, with the client's role and level"},
    "DEFAULT_SCOPES": ["api"],
    "OAUTH2_VALIDATOR_CLASS": "tenants.api_clients.oauth.Validator",
    "CLIENT_SECRET_HASHER": "client_secret_hmac_sha256",
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
    # Tags and operation ids from the path after /api/v1; the vendor API v2 (vendorapi),
    # documented beside it, tags its own operations.
    "SCHEMA_PATH_PREFIX": "/api/v1",
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


CONSOLE_PAGE_SIZE = 25
MANAGEMENT_PAGE_SIZE = 50
