"""A request-body serializer whose fields are built once per class, not once per request.

DRF's `Serializer.fields` deep-copies the class's declared fields and binds the copies to
each new serializer: on the agent registration endpoint that copying was about half of the
body validation and some 5% of the request's app CPU. `InputSerializer` builds the bound
fields once per class (under a lock: the production server runs requests in several
threads) and every instance validates through those; validation is DRF's own code, so
status codes, error shapes and messages are the same.

Shared fields hold no per-request state while validating (their validator lists are built
with them, not lazily), and their root is a prototype instance: a field sees no `context`
and never `partial`. So this is for plain request bodies validated by `is_valid()` without
context or partial updates, and the class refuses both; an output or model serializer keeps
DRF's `Serializer`.
"""

import threading
from typing import Any

from rest_framework import serializers

_lock = threading.RLock()


class InputSerializer(serializers.Serializer):
    """A Serializer for a request body, its fields shared by every instance of its class."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("partial") or kwargs.get("context"):
            raise TypeError(f"{type(self).__name__} validates whole bodies without context.")
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def fields(self) -> serializers.BindingDict:
        shared = type(self).__dict__.get("_shared_fields")
        return shared if shared is not None else type(self)._build_fields()

    @classmethod
    def _build_fields(cls) -> serializers.BindingDict:
        with _lock:
            shared = cls.__dict__.get("_shared_fields")
            if shared is None:
                # DRF's own construction (copy and bind) on a prototype, once.
                shared = serializers.Serializer.fields.func(cls())  # type: ignore[attr-defined]
                for field in shared.values():
                    field.validators  # noqa: B018  built now, not lazily in two threads
                cls._shared_fields = shared
        return shared
