"""django-prometheus' "after" middleware, finding each labelled counter once.

Its middleware looks up a labelled child (`metric.labels(view=..., method=...)`) for every
count it makes, seven a request: each lookup checks and sorts the keyword names, converts
the values to text and takes the metric's lock before finding the child it made the first
time (about a quarter of the middleware's time, issue 19 item 14). Here a child found once
is kept in a dict keyed by the metric and the label values in the order the call names
them (every call site names them in a fixed order), so later requests take it from there.

The children are exactly those prometheus_client keeps anyway (it never drops a child), so
the dict grows no further than the metrics themselves: one entry per view, method, status,
charset or template name seen. Two threads finding the same new child both get the one
prometheus_client returns. Counts, names and labels are unchanged
(tests/portal/test_metrics_middleware.py).
"""

from django_prometheus import middleware


class PrometheusAfterMiddleware(middleware.PrometheusAfterMiddleware):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._children: dict[tuple, object] = {}

    def label_metric(self, metric, request, response=None, **labels):
        if not labels:
            return metric
        key = (metric, *labels.items())
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(**labels)
        return child
