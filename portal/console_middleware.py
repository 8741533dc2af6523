"""Middleware that only the console needs, passed by on the agent API.

The agent API (`AGENT_API`: registration, the agent's own endpoints, ping) authenticates
with its own credentials (a registration token, the agent's secret, or none), never a
session, answers in English JSON whatever the language asked and never shows a message.
Yet every agent request went through the console's MIDDLEWARE: a session store, the
language, the session's user (read from the empty session, wrapped by django-otp, asked by
the two-factor door and the session record whether it is signed in), a message store:
about a fifth of what the chain cost a ping in process (issue 19 item 14).

Each class here is the named middleware, unchanged for every other path, that hands an
agent API request straight to the next one: its `__call__` and each hook it has
(`process_view`, `process_exception`, `process_template_response`) pass those paths by. It
stays the same middleware in MIDDLEWARE's order (Django's own checks find the session,
authentication and message middleware as subclasses), and the chain is one chain for every
server and the test client; nothing else is skipped: the request id and log line, the
metrics, the body limit, the security headers (SecurityMiddleware, CSP, X-Frame-Options),
the host check (CommonMiddleware), CSRF (its views are exempt; Django's deployment check
looks for CsrfViewMiddleware by name, and it costs an agent request little) and django-axes
still see every request.

What an agent answer no longer carries: `Vary: Cookie`, which the session added only
because the two-factor door read the (empty) session; agent answers never depend on a
cookie. tests/portal/test_console_middleware.py checks the headers and what is skipped.
"""

from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django_otp import middleware as otp

from common.paths import AGENT_API
from portal import middleware as portal
from tenants import two_factor_middleware, user_sessions


def console_only(base: type) -> type:
    """`base`, passing requests for AGENT_API paths to the next middleware untouched."""

    def __call__(self, request):
        if request.path_info.startswith(AGENT_API):
            return self.get_response(request)
        return base.__call__(self, request)

    namespace: dict = {"__call__": __call__, "__doc__": base.__doc__, "__module__": __name__}
    if hasattr(base, "process_view"):

        def process_view(self, request, view, args, kwargs):
            if request.path_info.startswith(AGENT_API):
                return None
            return base.process_view(self, request, view, args, kwargs)

        namespace["process_view"] = process_view
    if hasattr(base, "process_exception"):

        def process_exception(self, request, exception):
            if request.path_info.startswith(AGENT_API):
                return None
            return base.process_exception(self, request, exception)

        namespace["process_exception"] = process_exception
    if hasattr(base, "process_template_response"):

        def process_template_response(self, request, response):
            if request.path_info.startswith(AGENT_API):
                return response
            return base.process_template_response(self, request, response)

        namespace["process_template_response"] = process_template_response
    return type(base.__name__, (base,), namespace)


SessionMiddleware = console_only(sessions.SessionMiddleware)
PortalLocaleMiddleware = console_only(portal.PortalLocaleMiddleware)
AuthenticationMiddleware = console_only(auth.AuthenticationMiddleware)
OTPMiddleware = console_only(otp.OTPMiddleware)
TwoFactorMiddleware = console_only(two_factor_middleware.TwoFactorMiddleware)
SessionRecordMiddleware = console_only(user_sessions.SessionRecordMiddleware)
MessageMiddleware = console_only(messages.MessageMiddleware)
