"""Imported first by the benchmarks that serve the portal through tests.live: tests.live
reads the Django settings when it is imported, and the documented commands set none, so
the test settings are chosen here, as for every live server (a caller's own choice stays)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
