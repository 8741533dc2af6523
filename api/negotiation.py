"""Content negotiation for an API that answers in JSON only.

REST framework's negotiation parses the request's Accept header into media types and matches
them against each renderer, for every request (about a fifth of a ping view's framework
cost, issue 19 item 14), although nearly every client sends no Accept header, `*/*` or
`application/json`. For exactly those (and no `?format=` or format suffix), the answer is
the first renderer with its own media type, which is what REST framework's matching gives
for them; any other Accept header or format goes through REST framework's negotiation as
before (406 for one that excludes JSON). tests/portal/test_negotiation.py compares both.
"""

from rest_framework.negotiation import DefaultContentNegotiation

# Accept headers that every JSON renderer satisfies with its own media type (no header at
# all counts as */*; an empty one accepts nothing: 406).
PLAIN_ACCEPTS = frozenset({"*/*", "application/json"})


class JSONFirstNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT", "*/*")
        if (
            format_suffix is None
            and accept.strip() in PLAIN_ACCEPTS
            and renderers
            and renderers[0].media_type == "application/json"
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)
