"""The portal's Prometheus "after" middleware (portal/metrics_middleware.py) counts exactly
what django-prometheus' own does: the same samples move by the same amounts for the same
requests, views, methods and statuses; it only finds each labelled child once."""

import pytest
from django.test import Client
from django_prometheus import middleware as upstream

from portal import metrics_middleware
from tests.portal.test_metrics import _scrapers, scrape  # noqa: F401  (its autouse fixture)

pytestmark = pytest.mark.django_db

OURS = "portal.metrics_middleware.PrometheusAfterMiddleware"
THEIRS = "django_prometheus.middleware.PrometheusAfterMiddleware"
# Durations differ from run to run: their sums and buckets are left out, their counts kept.
TIMED = ("_sum", "_bucket", "_created")


def _requests() -> None:
    client = Client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/ping").status_code == 200
    assert client.post("/api/v1/agents/register", {}, "application/json").status_code == 400
    assert client.get("/no/such/page").status_code == 404
    assert client.delete("/api/v1/ping").status_code == 405
    assert client.get("/healthz").status_code == 200


def _moved() -> dict:
    before = scrape()
    _requests()
    after = scrape()
    return {
        key: value - before.get(key, 0)
        for key, value in after.items()
        if key[0].startswith("django_http_")
        and not key[0].endswith(TIMED)
        and value != before.get(key, 0)
    }


def test_the_same_samples_move_as_with_django_prometheus_own_middleware(settings):
    assert OURS in settings.MIDDLEWARE and THEIRS not in settings.MIDDLEWARE
    ours = _moved()
    settings.MIDDLEWARE = [THEIRS if name == OURS else name for name in settings.MIDDLEWARE]
    theirs = _moved()
    assert ours == theirs
    by_view = "django_http_responses_total_by_status_view_method_total"
    assert ours[(by_view, (("method", "GET"), ("status", "200"), ("view", "healthz")))] == 2
    assert ours[(by_view, (("method", "DELETE"), ("status", "405"), ("view", "api-ping")))] == 1


def test_a_labelled_child_is_found_once_and_is_prometheus_clients_own():
    instance = metrics_middleware.PrometheusAfterMiddleware(lambda request: None)
    metric = upstream.Metrics.get_instance().responses_by_status
    first = instance.label_metric(metric, None, None, status="201")
    assert first is metric.labels(status="201")
    assert instance.label_metric(metric, None, None, status="201") is first
    assert instance.label_metric(metric, None, None, status="202") is metric.labels(status="202")
    assert instance.label_metric(metric, None) is metric  # no labels: the metric itself
    assert len(instance._children) == 2
