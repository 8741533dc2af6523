"""The token endpoint's throttle: requests per client address, failures per client id.

Two counters in the shared cache (`common.shared_cache.guarded`: every worker sees the same
counts, and a failing cache lets requests through rather than refusing everyone):

- every token request from one address, `OAUTH_TOKEN_ADDRESS_LIMIT` a minute: a script
  needs one token an hour, so this bounds what one address can make the portal compute;
- failed client authentications naming one client id, `OAUTH_TOKEN_CLIENT_FAILURE_LIMIT`
  within `OAUTH_TOKEN_CLIENT_FAILURE_WINDOW` seconds, whatever the addresses they come
  from. Unknown client ids are counted the same way, so the answers do not tell which
  ids exist. Each request is counted *before* its secret is checked and given back when
  it succeeds, so a burst of concurrent guesses cannot slip past while the first ones are
  still being checked: at most the limit reach the check.

Over either limit the request answers 429 with Retry-After, before any secret is checked.
"""

import contextlib
import hashlib
import time

from django.conf import settings

from common.shared_cache import guarded

ADDRESS_WINDOW = 60


def _client_key(client_id: str) -> str:
    # By digest: a client id is not a secret, but the key must stay short and plain.
    return "oauth-token-fail:" + hashlib.sha256(client_id.encode()).hexdigest()[:32]


def _address_key(address: str, window_start: int) -> str:
    return f"oauth-token-addr:{address}:{window_start}"


def _count(key: str, timeout: int) -> int:
    guarded("add", False, key, 0, timeout=timeout)
    try:
        return int(guarded("incr", 0, key))
    except ValueError:  # it expired between add() and incr()
        guarded("add", False, key, 1, timeout=timeout)
        return 1


def refusal(address: str, client_id: str | None) -> int | None:
    """Count this request against its address and its client id; None if it may go ahead
    (then call `succeeded` if it authenticates), else the seconds to wait (the address is
    over its rate, or the client id over its failures)."""
    now = time.time()
    window_start = int(now // ADDRESS_WINDOW) * ADDRESS_WINDOW
    if _count(_address_key(address, window_start), ADDRESS_WINDOW + 5) > (
        settings.OAUTH_TOKEN_ADDRESS_LIMIT
    ):
        return max(1, int(window_start + ADDRESS_WINDOW - now) + 1)
    if client_id:
        window = settings.OAUTH_TOKEN_CLIENT_FAILURE_WINDOW
        if _count(_client_key(client_id), window) > settings.OAUTH_TOKEN_CLIENT_FAILURE_LIMIT:
            return window
    return None


def succeeded(client_id: str | None) -> None:
    """The request counted against `client_id` authenticated: it was no failure."""
    if client_id:
        with contextlib.suppress(ValueError):  # the window ended meanwhile
            guarded("decr", None, _client_key(client_id))
