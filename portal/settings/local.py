"""Developer settings: the README's run command. Never use these in production."""

from .base import *  # noqa: F403
from .base import env, mail_from_env

PORTAL_ENVIRONMENT = "local"
DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="local-development-only-not-a-secret")  # noqa: S105
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
# Mail (password reset links) is printed on the console unless EMAIL_URL says otherwise.
globals().update(mail_from_env("consolemail://"))

# Static files straight from the apps and portal/static, no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = None
