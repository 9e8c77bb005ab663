"""Prometheus metrics: the counters and histograms the portal updates, and a registry of gauges apps add.

Apps register gauges read at scrape time (futures in flight, pending review actions, cache ages) with `register`,
from their `AppConfig.ready`, as they register home sections: the portal never imports a feature app.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable

from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter("portal_http_requests", "HTTP requests answered, by view and status class.",
                   ["method", "view", "status"])
REQUEST_SECONDS = Histogram("portal_http_request_seconds", "Time to answer an HTTP request, by view.",
                            ["method", "view"], buckets=LATENCY_BUCKETS)
UPSTREAM_CALLS = Counter("portal_upstream_calls", "Calls to an upstream API, by operation and outcome.",
                         ["upstream", "operation", "outcome"])
UPSTREAM_SECONDS = Histogram("portal_upstream_call_seconds", "Time of one upstream call, retries included.",
                             ["upstream", "operation"], buckets=LATENCY_BUCKETS)

# name -> (help, {source: read}); read() returns {label value: number} for the gauge's one label "of", or a number.
# Several apps may feed one gauge (cache ages): their dicts are merged.
GaugeReader = Callable[[], "dict[str, float | None] | float | None"]
_gauges: dict[str, tuple[str, dict[str, GaugeReader]]] = {}


def register(name: str, help_text: str, read: GaugeReader, *, source: str = "") -> None:
    """Add (or replace) `source`'s reader of a gauge computed at scrape time. A reader that raises is logged and
    skipped."""
    _gauges.setdefault(name, (help_text, {}))[1][source] = read


def read_gauge(name: str):
    """The current value of registered gauge `name`: a number, a dict merged from every source, or None."""
    entry = _gauges.get(name)
    if entry is None:
        return None
    merged: dict[str, float | None] = {}
    for source, read in sorted(entry[1].items()):
        try:
            value = read()
        except Exception:  # noqa: BLE001 - one broken reader must not hide every other metric
            log.warning("metric %s (%s) could not be read", name, source or "-", exc_info=True)
            continue
        if not isinstance(value, dict):
            return value
        merged.update(value)
    return merged or None


def observe_upstream_call(upstream: str, operation: str, outcome: str, seconds: float) -> None:
    UPSTREAM_CALLS.labels(upstream, operation, outcome).inc()
    UPSTREAM_SECONDS.labels(upstream, operation).observe(seconds)


class RegisteredGauges:
    """A prometheus_client collector over the registered gauges."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        for name, (help_text, _) in sorted(_gauges.items()):
            value = read_gauge(name)
            if value is None:
                continue
            if isinstance(value, dict):
                family = GaugeMetricFamily(name, help_text, labels=["of"])
                for label, number in sorted(value.items()):
                    if number is not None:
                        family.add_metric([str(label)], float(number))
            else:
                family = GaugeMetricFamily(name, help_text, value=float(value))
            yield family


with contextlib.suppress(ValueError):  # registered already (module reloaded)
    REGISTRY.register(RegisteredGauges())
