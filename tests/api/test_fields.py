"""Integers in JSON are ASCII digits or JSON numbers, nothing else (issue 10, finding 8).

Python's int() reads any Unicode digit ("２" is 2, "٣" is 3), and DRF's IntegerField uses it,
so a body could name user 2 with a full-width digit. Every API field that reads an integer is
`api.fields.StrictIntegerField`; a walk over every serializer keeps it that way.
"""

import pytest
from rest_framework import serializers
from rest_framework.test import APIClient

from tokens.models import RegistrationToken

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
URL = "/api/v1/tenants/globex/registration_tokens"


def errors(response) -> dict:
    body = response.json()
    return body.get("errors", body)


@pytest.fixture
def admin_api(users):
    client = APIClient()
    client.force_authenticate(users["globex-admin"])
    return client


@pytest.mark.parametrize("digits", [FULL_WIDTH, ARABIC_INDIC], ids=["full-width", "arabic-indic"])
def test_a_user_id_in_non_ascii_digits_is_400_and_issues_no_token(admin_api, users, digits):
    bob = str(users["globex-bob"].pk).translate(digits)
    response = admin_api.post(URL, {"user_id": bob}, format="json")
    assert response.status_code == 400
    assert "user_id" in errors(response)
    assert not RegistrationToken.objects.filter(user=users["globex-bob"]).exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"expires_in": "3600".translate(FULL_WIDTH)},
        {"expires_in": "٣٦٠٠"},
        {"expires_in": True},
        {"expires_in": 3600.0},
        {"expires_in": " 3600"},
        {"expires_in": "1" * 30},
        {"plan_id": "1".translate(FULL_WIDTH)},
        {"user_id": "+2"},
    ],
)
def test_integers_other_than_ascii_digits_or_json_numbers_are_400(admin_api, payload):
    response = admin_api.post(URL, payload, format="json")
    assert response.status_code == 400
    assert set(payload) <= set(errors(response))
    assert not RegistrationToken.objects.exists()


def test_ascii_digit_strings_and_json_numbers_are_both_integers(admin_api, users):
    bob = users["globex-bob"].pk
    as_strings, as_numbers = {"user_id": str(bob), "expires_in": "3600"}, {"user_id": bob}
    for payload in [as_strings, {**as_numbers, "expires_in": 60}]:
        response = admin_api.post(URL, payload, format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["user"]["id"] == str(bob)


def _all_serializers() -> list[type[serializers.Serializer]]:
    import portal.urls  # noqa: F401  (imports every API module)

    found, todo = [], [serializers.BaseSerializer]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        # Ours, and inline_serializer(...) ones (made in drf_spectacular.utils).
        library = cls.__module__.startswith(("rest_framework", "drf_spectacular."))
        if not library or cls.__module__ == "drf_spectacular.utils":
            found.append(cls)
    return found


def _integer_fields(serializer, path=""):
    fields = getattr(serializer, "fields", {})
    for name, field in fields.items():
        where = f"{path}.{name}"
        if isinstance(field, serializers.IntegerField):
            yield where, field
        child = getattr(field, "child", None)
        if child is not None:
            if isinstance(child, serializers.IntegerField):
                yield f"{where}[]", child
            yield from _integer_fields(child, where)
        yield from _integer_fields(field, where)


def test_no_api_serializer_reads_integers_with_drfs_plain_integer_field():
    from api.fields import StrictIntegerField

    checked, plain = set(), []
    for cls in _all_serializers():
        if cls.__module__.startswith("tests."):
            continue
        try:
            instance = cls()
        except TypeError:
            continue
        checked.add(cls.__name__)
        for where, field in _integer_fields(instance, cls.__name__):
            if not isinstance(field, StrictIntegerField):
                plain.append(where)
    # The walk reaches the API's input serializers.
    assert {"TokenCreateInput", "RegisterInput", "PlanTokenInput"} <= checked
    assert plain == []


def test_a_page_size_in_full_width_digits_is_400(admin_api):
    assert admin_api.get(f"{URL}?limit=10").status_code == 200
    response = admin_api.get(f"{URL}?limit={'10'.translate(FULL_WIDTH)}")
    assert response.status_code == 400
