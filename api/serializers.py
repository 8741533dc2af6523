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

`validated(data)` is the body's validated data, or DRF's ValidationError. A body of plain
`CharField`s (the agent endpoints') that is clean, which is what agents send, is checked
directly (`_clean`): every field a `str` of ASCII, within its lengths, not blank unless
allowed, no NUL, trimmed as DRF trims. That was most of the remaining validation cost
(issue 19 item 14). Anything else (a missing, empty, long, non-ASCII or non-string value,
a form body, a serializer with validators or `validate` methods of its own) goes through
DRF's validation, so every error answer is DRF's own; tests/api/test_input_serializer.py
compares the two on every body it can think of.
"""

import threading
from typing import Any

from django.core.validators import (
    MaxLengthValidator,
    MinLengthValidator,
    ProhibitNullCharactersValidator,
)
from rest_framework import serializers
from rest_framework.fields import ProhibitSurrogateCharactersValidator, empty

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
    def validated(cls, data: Any) -> dict[str, Any]:
        """`data` validated as `cls(data=data).is_valid(raise_exception=True)` validates it:
        its validated data, or DRF's ValidationError."""
        clean = cls._clean(data)
        if clean is not None:
            return clean
        serializer = cls(data=data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @classmethod
    def _clean(cls, data: Any) -> dict[str, Any] | None:
        """The validated data of a clean body of plain character fields, or None: let DRF
        decide (and word the error)."""
        plain = cls.__dict__.get("_plain_fields")
        if plain is None:
            plain = cls._plain_fields = cls._plain()
        if not plain or type(data) is not dict:
            return None
        out = {}
        for name, trim, allow_blank, least, most, default in plain:
            value = data.get(name, empty)
            if value is empty:
                if default is empty:
                    return None  # required: DRF words the error
                out[name] = default
                continue
            if type(value) is not str or not value.isascii() or "\x00" in value:
                return None
            if trim:
                value = value.strip()
            if (not value and not allow_blank) or not least <= len(value) <= most:
                return None
            out[name] = value
        return out

    @classmethod
    def _plain(cls) -> tuple | None:
        """(name, trim, allow blank, min and max length, default) per field when every
        field is a plain CharField and nothing else validates; else None (DRF validates)."""
        if cls.validate is not serializers.Serializer.validate:
            return None
        plain = []
        known = (MaxLengthValidator, MinLengthValidator)
        known += (ProhibitNullCharactersValidator, ProhibitSurrogateCharactersValidator)
        for name, field in cls().fields.items():
            if (
                not isinstance(field, serializers.CharField)
                or type(field).to_internal_value is not serializers.CharField.to_internal_value
                or type(field).run_validation is not serializers.CharField.run_validation
                or field.read_only
                or field.source != name
                or field.allow_null
                or hasattr(cls, f"validate_{name}")
                or any(type(v) not in known for v in field.validators)
            ):
                return None
            default = empty if field.required else field.default
            if default is not empty and (callable(default) or not isinstance(default, str)):
                return None  # not required and without a plain default: DRF decides
            least = field.min_length or 0
            most = field.max_length if field.max_length is not None else 1 << 62
            plain.append((name, field.trim_whitespace, field.allow_blank, least, most, default))
        return tuple(plain)

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
