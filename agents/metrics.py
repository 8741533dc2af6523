"""The registration counter exported at /metrics (portal.metrics): every answer of
`POST /api/v1/agents/register`, by result and, for a refusal, its reason.

Counted in Python after the answer is made (prometheus_client; in multiprocess mode one
memory-mapped file per worker process, added up at scrape time), so the registration's
statements stay as pinned.
"""

from prometheus_client import Counter

REGISTRATIONS = Counter(
    "portal_agent_registrations",
    "Agent registrations by result (created, re_registered, refused, failed) and reason.",
    ["result", "reason"],
)

CREATED, RE_REGISTERED, REFUSED, FAILED = "created", "re_registered", "refused", "failed"
# Refusal reasons beside the token failure reasons (tokens.failures.Reason: mistyped,
# unknown, expired, deleted, user_inactive, used_up, network_refused).
INVALID, TAKEOVER, THROTTLED, NETWORK = "invalid", "takeover", "throttled", "network_refused"
UNAVAILABLE, ERROR = "unavailable", "error"


def outcome(status: int, failure_reason: str | None) -> tuple[str, str]:
    """(result, reason) of a registration answer with this status; `failure_reason` is the
    token failure the answer recorded (tokens.throttling), if any."""
    if status == 201:
        return CREATED, ""
    if status == 200:
        return RE_REGISTERED, ""
    if failure_reason:
        return REFUSED, str(failure_reason)
    if status == 409:
        return REFUSED, TAKEOVER
    if status == 429:
        return REFUSED, THROTTLED
    if status == 403:
        return REFUSED, NETWORK
    if status == 503:
        return FAILED, UNAVAILABLE
    if status >= 500:
        return FAILED, ERROR
    return REFUSED, INVALID


def count(status: int, failure_reason: str | None) -> None:
    result, reason = outcome(status, failure_reason)
    REGISTRATIONS.labels(result=result, reason=reason).inc()
