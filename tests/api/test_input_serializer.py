"""`InputSerializer.validated`: a clean body of plain character fields checked directly,
everything else by DRF, with the same outcome as DRF's own serializer for every body."""

import itertools
import random

import pytest
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from agents.apis import PlanTokenInput, RegisterInput
from api.serializers import InputSerializer
from tests.api.test_serializers import twin

# Values for one field: clean ones, and every kind DRF refuses or changes.
VALUES = [
    "m",
    "Linux 6.1",
    "  padded  ",
    "\tpadded\n",
    "",
    "   ",
    "x" * 40,
    "x" * 41,
    "x" * 100,
    "x" * 101,
    "x" * 128,
    "x" * 129,
    "x" * 255,
    "x" * 256,
    " " + "x" * 100 + " ",
    "a\x00b",
    "h\ud800",
    "straße",
    "\u00a0nbsp\u00a0",
    7,
    1.5,
    True,
    None,
    ["Linux"],
    {"a": 1},
]
MISSING = object()


def _outcome(validate, body):
    try:
        return ("valid", validate(body))
    except ValidationError as error:
        return ("invalid", error.detail)


def _drf(cls):
    plain = twin(cls)

    def validate(body):
        serializer = plain(data=body)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    return validate


def _bodies(cls, count: int, seed: int):
    names = list(cls._declared_fields)
    rng = random.Random(seed)
    for _ in range(count):
        body = {}
        for name in names:
            # Mostly clean values, so whole bodies are often clean too.
            if rng.random() < 0.7:
                value = rng.choice(["ok-value", "m", " padded ", "x" * 40])
            else:
                value = rng.choice([*VALUES, MISSING])
            if value is not MISSING:
                body[name] = value
        if rng.random() < 0.2:
            body["unknown"] = "ignored"
        yield body


@pytest.mark.parametrize("cls", [RegisterInput, PlanTokenInput])
def test_every_body_gets_drfs_outcome(cls):
    """Thousands of bodies mixing every kind of value per field: the same validated data,
    or the same errors (messages and codes), as DRF's serializer with the same fields."""
    drf = _drf(cls)
    bodies = list(_bodies(cls, 3000, seed=14))
    bodies += [None, [], "text", {}, 5]
    directly = 0
    for body in bodies:
        ours, theirs = _outcome(cls.validated, body), _outcome(drf, body)
        assert ours == theirs, body
        if ours[0] == "invalid":
            assert {k: [e.code for e in v] for k, v in ours[1].items()} == {
                k: [e.code for e in v] for k, v in theirs[1].items()
            }
        directly += cls._clean(body) is not None
    assert directly > 300  # the direct check was taken, not only DRF's


def test_a_clean_registration_is_checked_directly_and_trimmed_as_drf_trims():
    body = {"token": " AB-CD ", "hostname": " h ", "os": "Linux\n", "machine_id": "m-1"}
    clean = RegisterInput._clean(body)
    assert clean == {
        "token": " AB-CD ",
        "hostname": "h",
        "os": "Linux",
        "machine_id": "m-1",
        "agent_version": "",
    }
    assert clean == _drf(RegisterInput)(body)
    for field, value in itertools.product(["hostname", "os"], ["", "x" * 256, 3, "ü", None]):
        assert RegisterInput._clean({**body, field: value}) is None, (field, value)


class WithValidate(InputSerializer):
    name = serializers.CharField(max_length=5)

    def validate(self, attrs):
        raise ValidationError("refused")


class WithFieldValidator(InputSerializer):
    name = serializers.CharField(max_length=5, validators=[lambda value: None])


class WithOtherField(InputSerializer):
    name = serializers.CharField(max_length=5)
    count = serializers.IntegerField()


@pytest.mark.parametrize("cls", [WithValidate, WithFieldValidator, WithOtherField])
def test_a_serializer_with_anything_but_plain_character_fields_is_left_to_drf(cls):
    body = {"name": "abc", "count": 3}
    assert cls._clean(body) is None

    def validate(body):
        serializer = cls(data=body)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    assert _outcome(cls.validated, body) == _outcome(validate, body)
    if cls is WithValidate:
        assert _outcome(cls.validated, body)[0] == "invalid"
