"""Settings shared by every environment. Values come from the environment (django-environ).

Environment-specific modules (`local`, `test`, `production`) import this one and supply the
values that must differ, such as SECRET_KEY and DEBUG; production has no insecure defaults.
"""

from pathlib import Path
from urllib.parse import unquote

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

# "local", "test" or "production"; seed_demo refuses to run in production.
PORTAL_ENVIRONMENT = "base"

# --- Applications -------------------------------------------------------------------------
# django-tenants keeps one PostgreSQL schema per tenant. SHARED_APPS live in the public
# schema, TENANT_APPS in every tenant's schema.
SHARED_APPS = [
    # Must come first: provides the schema-aware migrate commands and test helpers.
    "django_tenants",
    # Tenants, users, roles and the audit log: users sign in before any tenant is chosen.
    "tenants",
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
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI's files, served by the portal itself (no CDN).
    "drf_spectacular_sidecar",
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
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

AUTH_USER_MODEL = "tenants.User"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves the vendored static files from the app itself, in every environment.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every request starts and ends in the public schema; views select a tenant explicitly.
    "portal.middleware.PublicSchemaMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------


def database_from_env() -> dict:
    """Read DATABASE_URL, with the django-tenants engine.

    A unix-socket folder arrives as a percent-encoded host (libpq's URL form), which
    django-environ leaves encoded; psycopg needs the plain path.
    """
    config = env.db("DATABASE_URL")
    # django-tenants' backend, minus the search_path statements it repeats (see the module).
    config["ENGINE"] = "portal.postgresql"
    config["HOST"] = unquote(config.get("HOST") or "")
    # Persistent connections: a new PostgreSQL connection per request halves agent throughput
    # (measured by tests/benchmarks/bench_agent_register.py). Requests reset search_path.
    config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ---------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The user's tenant is loaded with the user: tenant pages of one's own tenant need no query.
AUTHENTICATION_BACKENDS = ["tenants.backends.TenantUserBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files (vendored; no CDN) --------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "portal" / "static"]

# --- Cache ----------------------------------------------------------------------------------
# Shared by every worker process (agent throttling counts failures here): a file cache on
# this machine by default, Redis (CACHE_URL=redis://...) in production.
CACHES = {
    "default": env.cache("CACHE_URL", default=f"filecache://{BASE_DIR / '.cache' / 'portal'}")
}

# Failed registration-token uses (unknown, expired, deleted, mistyped) allowed per client
# address within the window, before that address gets 429.
AGENT_TOKEN_FAILURE_LIMIT = env.int("AGENT_TOKEN_FAILURE_LIMIT", default=10)
AGENT_TOKEN_FAILURE_WINDOW = env.int("AGENT_TOKEN_FAILURE_WINDOW", default=600)
# How many reverse proxies in front of the portal append to X-Forwarded-For (0: none). The
# client address for throttling and the audit log is taken from that hop.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Seconds a request body may take to arrive under the production (ASGI) server; then 408.
REQUEST_BODY_TIMEOUT = env.int("REQUEST_BODY_TIMEOUT", default=30)

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "tenants.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tenants.api.exception_handler",
}
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
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

CONSOLE_PAGE_SIZE = 25
MANAGEMENT_PAGE_SIZE = 50
