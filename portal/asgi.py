"""ASGI entry point of the production server (`python3 -m portal.launch serve --production`).

gunicorn's `asgi` worker runs it: Django's ASGI handler reads each request body on the event
loop before any view runs, so a client that trickles its body holds a coroutine, not a worker
or a thread. `BodyDeadline` bounds that wait as a whole, and `BodyLimit` (inside it, so a
chunked body is read under the deadline too) refuses a body over its limit before Django's
handler reads it (portal.bodylimit). The handler is Django's, running the middleware chain
and the view in one thread hop (portal.asgihandler).
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")

from .asgihandler import get_one_hop_asgi_application  # noqa: E402

django_application = get_one_hop_asgi_application()

from django.urls import get_resolver  # noqa: E402  (Django is set up first)

from .bodydeadline import BodyDeadline  # noqa: E402
from .bodylimit import BodyLimit  # noqa: E402

# Import every URL module now, not on each worker's first request (about 0.3 s).
get_resolver().url_patterns  # noqa: B018

application = BodyDeadline(BodyLimit(django_application))
