"""Settings for the test suite."""

import tempfile

from .base import *  # noqa: F403
from .base import CLIENT_SECRET_HASHER, cache_config, env

PORTAL_ENVIRONMENT = "test"
# A served portal may run with DEBUG on, as the run command does, to show which pages look
# the same there (tests/browser/test_error_pages.py).
DEBUG = env.bool("PORTAL_TEST_DEBUG", default=False)
SECRET_KEY = "test-only-not-a-secret"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Mail stays in memory (django.core.mail.outbox), in served test portals too, whatever
# EMAIL_URL the shell has.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Hashing passwords properly costs ~0.3 s each; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", CLIENT_SECRET_HASHER]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# A cache directory of this test run's own, shared with any server process the tests start.
CACHES = {
    "default": {
        # Django's file cache with counters atomic across processes (portal.filecache).
        "BACKEND": "portal.filecache.FileCache",
        "LOCATION": env.str(
            "PORTAL_TEST_CACHE_DIR", default=tempfile.mkdtemp(prefix="portal-cache-")
        ),
    }
}

# Servers and task workers a test starts whose mail the test must see from its own process
# (reminders sent by two task workers): Django's file backend, one folder for all of them.
if env.str("PORTAL_TEST_MAIL_DIR", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env.str("PORTAL_TEST_MAIL_DIR")

# django-tenants' session binding of the search path, for a served portal of the leak test
# (tests/live/test_pgbouncer_live.py) to show what the per-statement binding prevents.
TENANT_SEARCH_PATH_BINDING = env.str("PORTAL_TEST_SEARCH_PATH_BINDING", default="statement")

# A server a test starts against a cache of the test's own (e.g. its own Redis, to stop it).
if env.str("PORTAL_TEST_CACHE_URL", default=""):
    CACHES = {"default": cache_config(env.str("PORTAL_TEST_CACHE_URL"))}

# Static files straight from the apps and portal/static, no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = None
