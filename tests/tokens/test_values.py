import hashlib
import re
import secrets

import pytest

from tests.agents.helpers import agent, register
from tests.factories import error_body, make_token
from tokens import selectors, values
from tokens.models import RegistrationToken
from tokens.selectors import token_by_value
from tokens.throttling import MSG_INVALID_TOKEN

SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}$")


def test_generated_values_have_seven_groups_of_four_unambiguous_symbols():
    for _ in range(200):
        assert SHAPE.match(values.generate())


def test_values_carry_at_least_120_random_bits():
    assert values.RANDOM_SYMBOLS * 5 >= 120
    assert len({values.generate() for _ in range(1000)}) == 1000


def test_input_is_accepted_in_any_case_with_or_without_hyphens_and_spaces():
    value = values.generate()
    canonical = value.replace("-", "")
    assert values.normalize(f"  {value.lower()}\n") == canonical
    assert values.normalize(canonical) == canonical
    assert values.normalize(" ".join(value.split("-"))) == canonical


def test_letters_read_as_digits_are_accepted():
    while "0" not in (value := values.generate()) or "1" not in value:
        pass
    typed = value.replace("0", "o").replace("1", "l")
    assert values.normalize(typed) == value.replace("-", "")


def test_every_single_mistyped_symbol_is_caught():
    canonical = values.normalize(values.generate())
    for i, original in enumerate(canonical):
        for symbol in values.ALPHABET:
            if symbol != original:
                mistyped = canonical[:i] + symbol + canonical[i + 1 :]
                with pytest.raises(values.MalformedToken):
                    values.normalize(mistyped)


def test_swapped_neighbours_are_caught_except_zero_and_z():
    for _ in range(50):
        canonical = values.normalize(values.generate())
        for i in range(len(canonical) - 1):
            a, b = canonical[i], canonical[i + 1]
            if a == b or {a, b} == {"0", "Z"}:
                continue
            swapped = canonical[:i] + b + a + canonical[i + 2 :]
            with pytest.raises(values.MalformedToken):
                values.normalize(swapped)


@pytest.mark.parametrize("text", ["", "ABCD", "U" * 28, "x" * 40, None, 12345])
def test_malformed_input_is_rejected(text):
    with pytest.raises(values.MalformedToken):
        values.normalize(text)


def test_digest_is_sha256_of_the_canonical_value():
    canonical = values.normalize(values.generate())
    assert values.digest(canonical) == hashlib.sha256(canonical.encode()).hexdigest()


def test_masked_shows_only_the_first_two_symbols():
    assert values.masked("AB") == "AB••-••••-••••-••••-••••-••••-••••"


def test_mistyped_value_is_rejected_before_any_database_query(db, django_assert_num_queries):
    canonical = values.normalize(values.generate())
    mistyped = canonical[:5] + ("A" if canonical[5] != "A" else "B") + canonical[6:]
    with django_assert_num_queries(0), pytest.raises(values.MalformedToken):
        token_by_value(mistyped)


def same_prefix(value: str) -> str:
    """Another well-formed token value that starts with the same two symbols."""
    canonical = values.normalize(value)
    while True:
        payload = canonical[: values.PREFIX_LENGTH] + "".join(
            secrets.choice(values.ALPHABET)
            for _ in range(values.RANDOM_SYMBOLS - values.PREFIX_LENGTH)
        )
        other = payload + values.check_symbol(payload)
        if other != canonical:
            return values.format_value(other)


def test_a_value_sharing_the_prefix_of_a_live_token_is_401(tenants, users):
    _, value = make_token(
        tenants["globex"], users["globex-alice"], actor=users["globex-admin"], plan="Daily backup"
    )
    lookalike = same_prefix(value)
    assert values.prefix(values.normalize(lookalike)) == values.prefix(values.normalize(value))
    assert selectors.token_by_value(lookalike) is None
    refused = register(lookalike, machine="lookalike")
    assert (refused.status_code, error_body(refused)) == (401, {"detail": MSG_INVALID_TOKEN})
    client = agent(register(value).json()["agent_secret"])
    applied = client.post("/api/v1/agents/me/plan/apply", {"token": lookalike}, format="json")
    assert applied.status_code == 401
    assert RegistrationToken.objects.get().registrations == 1
