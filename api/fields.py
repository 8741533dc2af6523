"""The one integer field of the REST API.

DRF's IntegerField converts with Python's int(), which reads any Unicode decimal digit
("２" is 2, "٣" is 3) and surrounding spaces, so a body could name user 2 in full-width
digits and pass every check written for ASCII. This field accepts a JSON integer or a string
of ASCII digits only; `tests/api/test_fields.py` walks every serializer so no
plain IntegerField comes back.
"""

import re

from rest_framework import serializers

_ASCII_INTEGER = re.compile(r"-?[0-9]{1,19}")


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer (not a boolean or a float) or a string of at most 19 ASCII digits."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int):
            return data
        if isinstance(data, str) and _ASCII_INTEGER.fullmatch(data):
            return int(data)
        self.fail("invalid")


class IdField(StrictIntegerField):
    """An object id: the API shows ids as strings of digits and takes them back either way."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(**kwargs)
