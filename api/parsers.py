"""The API's only request parser: JSON, bounded in size and in nesting depth.

A body over `API_MAX_BODY_SIZE` bytes answers 413 without being read further; one nested
deeper than `MAX_DEPTH` answers 400 before Python's recursive JSON decoder sees it (about
a thousand levels in a 2 KB body used to exhaust the interpreter's recursion limit and
answer 500 on every endpoint). Other content types answer 415.
"""

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

# No request of this API nests deeper than 3; 20 leaves room and stops abuse early.
MAX_DEPTH = 20
MSG_TOO_DEEP = "The JSON body is nested too deeply."
MSG_TOO_LARGE = "The request body is larger than {limit} bytes."


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def nesting_exceeds(raw: bytes, limit: int) -> bool:
    """Whether the JSON text nests arrays/objects deeper than `limit` (strings skipped)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth, in_string, escaped = 0, False, False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        limit = settings.API_MAX_BODY_SIZE
        too_large = BodyTooLarge(MSG_TOO_LARGE.format(limit=limit))
        request = parser_context.get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise too_large
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise too_large
        if nesting_exceeds(raw, MAX_DEPTH):
            raise ParseError(MSG_TOO_DEEP)
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
            parse_constant = json.strict_constant if self.strict else None
            return json.loads(text, parse_constant=parse_constant)
        except RecursionError:  # a belt to the braces above
            raise ParseError(MSG_TOO_DEEP) from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
