"""Prometheus metrics at `GET /metrics`, for the configured scrapers only.

Who may scrape: a client address (`common.net.client_address`: REMOTE_ADDR, or behind
TRUSTED_PROXIES the address they forwarded) in METRICS_ALLOWED_ADDRESSES (addresses or
networks, empty by default), or a request with `Authorization: Bearer <METRICS_TOKEN>`
(compared in constant time; no token configured: no bearer access). Anyone else gets 403.

What: django-prometheus' request counts and latencies by view (its two middlewares),
`portal_agent_registrations_total` by result and reason (agents.metrics), and
`portal_registration_tokens_active`, computed at each scrape with one count statement, and
`portal_task_worker_heartbeat_age_seconds`, the seconds since a task worker last reported in
(portal/worker_health.py; +Inf when none ever did): alert when it exceeds a minute.

gunicorn runs several worker processes: with PROMETHEUS_MULTIPROC_DIR set (the production
command and the live tests set it up) every process writes its counters to memory-mapped
files there, and a scrape, whichever worker answers it, adds up all of them.
"""

import hmac
import ipaddress
import os
from functools import lru_cache

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from common.net import client_address
from portal.worker_health import heartbeat_age
from tokens.selectors import active_token_total

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def allowed_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """METRICS_ALLOWED_ADDRESSES parsed; raises ValueError on a malformed entry."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def _address_allowed(request) -> bool:
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    networks = allowed_networks(tuple(settings.METRICS_ALLOWED_ADDRESSES))
    return any(address in network for network in networks)


def _token_allowed(request) -> bool:
    expected = settings.METRICS_TOKEN
    scheme, _, presented = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(presented.strip().encode(), expected.encode())


def may_scrape(request) -> bool:
    return _address_allowed(request) or _token_allowed(request)


class ActiveTokens:
    """The usable registration tokens, counted when scraped (one statement)."""

    def collect(self):
        gauge = GaugeMetricFamily(
            "portal_registration_tokens_active",
            "Registration tokens usable now (not deleted, expired or used up).",
        )
        gauge.add_metric([], active_token_total())
        yield gauge


class WorkerHeartbeat:
    """Seconds since the newest task worker heartbeat, read when scraped (one statement)."""

    def collect(self):
        gauge = GaugeMetricFamily(
            "portal_task_worker_heartbeat_age_seconds",
            "Seconds since a task worker last reported in (+Inf: never).",
        )
        gauge.add_metric([], heartbeat_age())
        yield gauge


class _ThisProcess:
    """The process's own default registry, when metrics are not shared between processes."""

    def collect(self):
        return REGISTRY.collect()


def registry() -> CollectorRegistry:
    scraped = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(scraped)
    else:
        scraped.register(_ThisProcess())
    scraped.register(ActiveTokens())
    scraped.register(WorkerHeartbeat())
    return scraped


@never_cache
@require_GET
def metrics(request):
    if not may_scrape(request):
        return HttpResponse("Forbidden.\n", status=403, content_type="text/plain")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
