"""Registration token values: generation, normalisation and the check character.

A value is 27 random symbols (135 bits from `secrets`) plus one check symbol, from Crockford's
base32 alphabet (no I, L, O or U), shown in hyphenated groups of four:

    7KQ2-M9XD-4HNB-T0ZR-E6W1-JC8P-5VFA

Input is accepted in any case, with or without hyphens and spaces, and with the letters
Crockford's decoding treats as digits (O for 0, I and L for 1). The check symbol is computed
with the Luhn mod-32 algorithm, which catches every single mistyped symbol and every swap of
two adjacent symbols but "0Z"/"Z0", so a hand-copied token fails before any database lookup.
"""

import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUES = {symbol: i for i, symbol in enumerate(ALPHABET)}
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
RANDOM_SYMBOLS = 27
LENGTH = RANDOM_SYMBOLS + 1
GROUP = 4
PREFIX_LENGTH = 2
# The input format the API schema documents: 28 symbols in any case (O, I and L read as
# digits), each optionally followed by a hyphen or a space. `normalize` accepts more (any
# whitespace anywhere); the check symbol cannot be expressed, a wrong one answers 400.
INPUT_PATTERN = rf"^(?:[0-9A-TV-Za-tv-z][- ]?){{{LENGTH}}}$"
N = len(ALPHABET)


class MalformedToken(ValueError):
    """The text cannot be a token: wrong length, foreign symbols or a failing check symbol."""


def _luhn_sum(symbols: str, *, double_first: bool) -> int:
    total, double = 0, double_first
    for symbol in reversed(symbols):
        addend = _VALUES[symbol] * (2 if double else 1)
        total += addend // N + addend % N
        double = not double
    return total


def check_symbol(payload: str) -> str:
    return ALPHABET[(N - _luhn_sum(payload, double_first=True) % N) % N]


def is_valid(normalized: str) -> bool:
    return _luhn_sum(normalized, double_first=False) % N == 0


def generate() -> str:
    """A new token value, formatted for display (the only time it exists in full)."""
    payload = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    return format_value(payload + check_symbol(payload))


def format_value(normalized: str) -> str:
    return "-".join(normalized[i : i + GROUP] for i in range(0, len(normalized), GROUP))


def normalize(text: str) -> str:
    """The canonical form of typed input, or MalformedToken. Never echoes the input."""
    if not isinstance(text, str):
        raise MalformedToken("not text")
    cleaned = "".join(text.split()).replace("-", "").upper().translate(_ALIASES)
    if len(cleaned) != LENGTH or any(symbol not in _VALUES for symbol in cleaned):
        raise MalformedToken("wrong length or symbols")
    if not is_valid(cleaned):
        raise MalformedToken("check symbol mismatch")
    return cleaned


def digest(normalized: str) -> str:
    """SHA-256 of the canonical value: tokens are high-entropy, so a fast hash is right."""
    return hashlib.sha256(normalized.encode("ascii")).hexdigest()


def prefix(normalized: str) -> str:
    return normalized[:PREFIX_LENGTH]


def masked(token_prefix: str) -> str:
    """What lists show: the first two symbols, the rest masked, in the display grouping."""
    return format_value(token_prefix + "•" * (LENGTH - len(token_prefix)))
