"""Settings of the scale benchmark: the local settings plus two trivial views to compare
the cost of a tenant-scoped page with the same page without a tenant."""

from portal.settings.local import *  # noqa: F403

ROOT_URLCONF = "tests.benchmarks.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
