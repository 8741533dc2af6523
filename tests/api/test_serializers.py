"""api.serializers.InputSerializer: fields built once per class, validation as DRF's."""

import threading

import pytest
from rest_framework import serializers

from agents.apis import PlanTokenInput, RegisterInput
from api.serializers import InputSerializer


def twin(cls) -> type[serializers.Serializer]:
    """The same declared fields on DRF's plain Serializer (a deep copy per instance)."""
    return type(f"Plain{cls.__name__}", (serializers.Serializer,), dict(cls._declared_fields))


BODIES = [
    {"token": "AB-CD", "hostname": "h", "os": "Linux", "machine_id": "m", "agent_version": "1"},
    {"token": " AB-CD ", "hostname": "  h ", "os": 7, "machine_id": 1.5},
    {},
    None,
    [],
    "text",
    {"token": None, "hostname": "", "os": "   ", "machine_id": True},
    {"token": "x" * 101, "hostname": "h" * 256, "os": "o" * 101, "machine_id": "m" * 129},
    {"token": "a\x00b", "hostname": "h\ud800", "os": ["Linux"], "machine_id": {"a": 1}},
    {"token": "t", "hostname": "h", "os": "o", "machine_id": "m", "agent_version": None},
]


@pytest.mark.parametrize("cls", [RegisterInput, PlanTokenInput])
@pytest.mark.parametrize("body", BODIES)
def test_validation_answers_as_drfs_serializer(cls, body):
    ours, plain = cls(data=body), twin(cls)(data=body)
    assert ours.is_valid() == plain.is_valid()
    assert ours.errors == plain.errors
    assert [(f, [e.code for e in errs]) for f, errs in ours.errors.items()] == [
        (f, [e.code for e in errs]) for f, errs in plain.errors.items()
    ]
    assert dict(ours.validated_data) == dict(plain.validated_data)


def test_instances_share_one_set_of_fields():
    first, second = RegisterInput(data={}), RegisterInput(data={})
    assert first.fields is second.fields
    assert first.fields["hostname"] is second.fields["hostname"]
    # Built from the class's declarations (copies), not the declarations themselves.
    assert first.fields["hostname"] is not RegisterInput._declared_fields["hostname"]
    assert PlanTokenInput(data={}).fields is not first.fields


def test_threads_building_and_validating_at_once_get_their_own_answers():
    class Body(InputSerializer):
        name = serializers.CharField(max_length=5)

    start, seen, answers = threading.Barrier(8), [], {}

    def validate(number: int) -> None:
        start.wait()
        for round_ in range(200):
            name = str(number) * (number % 2 * 5 + 1)  # odd threads: too long
            body = Body(data={"name": name})
            seen.append(body.fields)
            answers[number, round_] = (body.is_valid(), dict(body.errors), body.validated_data)

    threads = [threading.Thread(target=validate, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(fields) for fields in seen}) == 1
    for (number, _), (valid, errors, data) in answers.items():
        if number % 2:
            assert not valid and errors["name"][0].code == "max_length" and data == {}
        else:
            assert valid and errors == {} and data == {"name": str(number)}


@pytest.mark.parametrize("kwargs", [{"partial": True}, {"context": {"request": None}}])
def test_partial_updates_and_context_are_refused(kwargs):
    with pytest.raises(TypeError):
        RegisterInput(data={}, **kwargs)
