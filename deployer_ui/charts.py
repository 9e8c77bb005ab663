"""Traffic charts of API nodes and their services (requests per minute, error rate, latency), computed from the
samples the sampling task stores: a chart never calls a node.

A sample holds the node's counters as read (requests and errors since the node started, the average latency), so a
rate is the difference of two consecutive samples over the time between them. A counter that went down (the node
restarted) and a missing or failed sample are gaps, never a negative or invented rate. Long ranges are bucketed to
at most `MAX_POINTS` points, each the rate over its whole bucket (not a sample picked from it).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models.fields.json import KeyTransform
from django.utils import timezone

from deployer_ui import apinode_client, display
from deployer_ui.models import ApiNodeSample
from portal.lib.freshness import STALE_INTERVALS

MAX_POINTS = 240


@dataclass(frozen=True)
class Range:
    key: str
    label: str  # "the last 24 hours"
    span: timedelta
    short: str  # the range picker's button: "24 h"


RANGES = {
    r.key: r for r in (
        Range("1h", "the last hour", timedelta(hours=1), "1 h"),
        Range("24h", "the last 24 hours", timedelta(hours=24), "24 h"),
        Range("7d", "the last 7 days", timedelta(days=7), "7 days"),
    )
}
DEFAULT_RANGE = "24h"
NODE_LIST_RANGE = "1h"


def parse_range(value: str | None, default: str = DEFAULT_RANGE) -> Range:
    """The range named `value` ("1h", "24h", "7d"; empty for `default`). Raises `ValueError` for any other value."""
    if not value:
        return RANGES[default]
    try:
        return RANGES[value]
    except KeyError:
        raise ValueError(f"Unknown range {value!r}: choose one of {', '.join(RANGES)}.") from None


# --- the series ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """One sample's counters for what is charted (a node's totals or one service's); None fields are unknown."""

    at: datetime
    requests: float | None
    errors: float | None
    latency_ms: float | None


@dataclass
class _Span:
    """What happened between consecutive readings (or, summed, over a bucket)."""

    start: float  # epoch seconds
    end: float
    seconds: float = 0.0  # time covered by a known request delta
    requests: float = 0.0
    errors: float = 0.0
    error_base: float = 0.0  # requests over the part where errors are known too
    latency_weight: float = 0.0
    latency_sum: float = 0.0
    latency_plain: list[float] = field(default_factory=list)

    def add(self, other: _Span) -> None:
        self.end = max(self.end, other.end)
        self.seconds += other.seconds
        self.requests += other.requests
        self.errors += other.errors
        self.error_base += other.error_base
        self.latency_weight += other.latency_weight
        self.latency_sum += other.latency_sum
        self.latency_plain += other.latency_plain

    @property
    def per_minute(self) -> float | None:
        return self.requests * 60 / self.seconds if self.seconds else None

    @property
    def error_rate(self) -> float | None:
        """Errors as a percentage of requests; None without any request (no traffic has no error rate)."""
        return 100 * self.errors / self.error_base if self.error_base else None

    @property
    def latency(self) -> float | None:
        """Average latency, weighted by the requests served at that latency when they are known."""
        if self.latency_weight:
            return self.latency_sum / self.latency_weight
        return sum(self.latency_plain) / len(self.latency_plain) if self.latency_plain else None


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _delta(before: float | None, after: float | None) -> float | None:
    if not _finite(before) or not _finite(after) or after < before:
        return None  # unknown, or a counter reset (node restart): a gap, not a negative rate
    return after - before


def _spans(readings: Iterable[Reading | None], max_gap: float) -> list[_Span]:
    """One span per pair of consecutive readings at most `max_gap` seconds apart. None (a failed sample, or the
    service absent from it) breaks the chain."""
    spans, previous = [], None
    for reading in readings:
        if reading is None:
            previous = None
            continue
        if previous is not None:
            start, end = previous.at.timestamp(), reading.at.timestamp()
            if 0 < end - start <= max_gap:
                span = _Span(start=start, end=end)
                requests = _delta(previous.requests, reading.requests)
                errors = _delta(previous.errors, reading.errors)
                if requests is not None:
                    span.seconds, span.requests = end - start, requests
                    if errors is not None:
                        span.errors, span.error_base = errors, requests
                if _finite(reading.latency_ms):
                    if requests:
                        span.latency_weight, span.latency_sum = requests, requests * reading.latency_ms
                    else:
                        span.latency_plain.append(reading.latency_ms)
                spans.append(span)
        previous = reading
    return spans


def _bucketed(spans: list[_Span], start: float, bucket: float) -> list[_Span | None]:
    """Spans merged into buckets of `bucket` seconds, with None where the data stops (a gap of a whole span or more
    between two buckets), so a chart draws a break instead of a line across missing time."""
    merged: dict[int, _Span] = {}
    for span in spans:
        index = int((span.end - start) // bucket)
        if index in merged:
            merged[index].add(span)
        else:
            merged[index] = _Span(start=span.start, end=span.end)
            merged[index].add(span)
    out: list[_Span | None] = []
    previous = None
    for index in sorted(merged):
        current = merged[index]
        if previous is not None and current.start > previous.end + 1:
            out.append(None)
        out.append(current)
        previous = current
    return out


# --- the chart -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    key: str  # "requests" | "error_rate" | "latency"
    title: str
    unit: str  # the axis label's unit
    values: tuple[float | None, ...]
    current: float | None
    overall: float | None  # over the whole range (a rate over all its requests, not a mean of points)
    low: float | None
    high: float | None

    def text(self, value: float | None) -> str:
        if self.key == "requests":
            return display.per_minute(value)
        if self.key == "error_rate":
            return display.percent(value)
        return display.milliseconds(value)

    @property
    def current_text(self) -> str:
        return self.text(self.current)


@dataclass(frozen=True)
class Chart:
    """Requests per minute, error rate and latency of one node or service over one range."""

    subject: str  # "fraud-scoring on Node A"
    range: Range
    times: tuple[int, ...]  # epoch seconds, one per point (shared by the three series)
    series: tuple[Series, ...]
    last_at: datetime | None  # the newest sample used
    recent: bool  # the newest sample is current (not older than three samplings)
    requests: float | None  # requests counted over the range
    errors: float | None

    @property
    def empty(self) -> bool:
        return not any(v is not None for s in self.series for v in s.values)

    @property
    def by_key(self) -> dict[str, Series]:
        return {s.key: s for s in self.series}

    @property
    def entries(self) -> list[tuple[Series, str]]:
        """(series, its one-sentence summary) for each series, as a template lists them."""
        return [(s, self.series_summary(s)) for s in self.series]

    def series_summary(self, series: Series) -> str:
        """One sentence a screen reader (and a page without JavaScript) gives for one series."""
        if self.empty:
            return f"{series.title}: no samples over {self.range.label} yet."
        now = f"now {series.current_text}" if self.recent else (
            f"last known {series.current_text}" if series.current is not None else "no current value")
        if series.key == "error_rate":
            overall = (f"overall {series.text(series.overall)} ({display.count(self.errors)} errors in "
                       f"{display.count(self.requests)} requests)") if series.overall is not None else "no requests"
        else:
            overall = f"average {series.text(series.overall)}"
        return (f"{series.title} over {self.range.label}: {now}; {overall}, lowest {series.text(series.low)}, "
                f"highest {series.text(series.high)}.")

    @property
    def summary(self) -> str:
        return " ".join(self.series_summary(s) for s in self.series)

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "range": self.range.key,
            "range_label": self.range.label,
            "times": list(self.times),
            "last_at": self.last_at.isoformat() if self.last_at else None,
            "recent": self.recent,
            "summary": self.summary,
            "series": [
                {"key": s.key, "title": s.title, "unit": s.unit,
                 "values": [None if v is None else round(v, 4) for v in s.values],
                 "current": s.current, "current_text": s.current_text, "summary": self.series_summary(s)}
                for s in self.series
            ],
        }


SERIES = (("requests", "Requests per minute", "requests/min"), ("error_rate", "Error rate", "% of requests"),
          ("latency", "Average latency", "ms"))


def _extremes(values: list[float | None]) -> tuple[float | None, float | None]:
    known = [v for v in values if v is not None]
    return (min(known), max(known)) if known else (None, None)


def build_chart(subject: str, readings: list[Reading | None], chosen: Range, *, now: datetime | None = None,
                interval: int | None = None) -> Chart:
    """The chart of `readings` (oldest first; None for a failed sample) over `chosen`, as of `now`."""
    now = now or timezone.now()
    interval = int(interval or settings.API_NODE_SAMPLE_SECONDS)
    max_gap = STALE_INTERVALS * interval
    start = (now - chosen.span).timestamp()
    spans = [s for s in _spans(readings, max_gap) if s.end >= start]
    bucket = max(chosen.span.total_seconds() / MAX_POINTS, 1.0)
    points = _bucketed(spans, start, bucket)
    times, columns = [], {key: [] for key, _, _ in SERIES}
    for point in points:
        times.append(int(point.end if point else (times[-1] + 1 if times else start)))
        columns["requests"].append(point.per_minute if point else None)
        columns["error_rate"].append(point.error_rate if point else None)
        columns["latency"].append(point.latency if point else None)
    whole = _Span(start=start, end=start)
    for span in spans:
        whole.add(span)
    last = spans[-1] if spans else None
    last_at = datetime.fromtimestamp(last.end, tz=UTC) if last else None
    overall = {"requests": whole.per_minute, "error_rate": whole.error_rate, "latency": whole.latency}
    current = {"requests": last.per_minute if last else None, "error_rate": last.error_rate if last else None,
               "latency": last.latency if last else None}
    series = tuple(
        Series(key=key, title=title, unit=unit, values=tuple(columns[key]), current=current[key],
               overall=overall[key], low=_extremes(columns[key])[0], high=_extremes(columns[key])[1])
        for key, title, unit in SERIES
    )
    return Chart(
        subject=subject, range=chosen, times=tuple(times), series=series, last_at=last_at,
        recent=bool(last_at and (now - last_at).total_seconds() <= max_gap),
        requests=whole.requests if whole.seconds else None, errors=whole.errors if whole.error_base else None,
    )


# --- from the stored samples -----------------------------------------------------------------------------------------


def _since(chosen: Range, now: datetime, interval: int) -> datetime:
    # One sample before the range starts, so its first minute has a rate too.
    return now - chosen.span - timedelta(seconds=STALE_INTERVALS * interval)


def _service_reading(at: datetime, error: str, data: Any) -> Reading | None:
    if error or not isinstance(data, dict):
        return None
    return Reading(at=at, requests=data.get("requests"), errors=data.get("errors"), latency_ms=data.get("latency_ms"))


def service_chart(node_id: str, service_id: str, chosen: Range) -> Chart:
    """The chart of one service on one node, from the stored samples only. Raises `UpstreamNotFound` for a node that
    is not configured (an unknown service simply has no samples)."""
    node_name = apinode_client.node_settings(node_id)["name"]
    now, interval = timezone.now(), int(settings.API_NODE_SAMPLE_SECONDS)
    rows = (
        ApiNodeSample.objects.filter(node_id=node_id, taken_at__gte=_since(chosen, now, interval))
        .annotate(service=KeyTransform(service_id, "services"))
        .order_by("taken_at")
        .values_list("taken_at", "error", "service")
    )
    readings = [_service_reading(at, error, data) for at, error, data in rows.iterator(chunk_size=2000)]
    return build_chart(f"{service_id} on {node_name}", readings, chosen, now=now, interval=interval)


def node_charts(nodes: Iterable[tuple[str, str]], chosen: Range) -> dict[str, Chart]:
    """{node id: the chart of the node's totals} for `nodes` ((id, name) pairs), from one query over the samples."""
    nodes = list(nodes)
    now, interval = timezone.now(), int(settings.API_NODE_SAMPLE_SECONDS)
    by_node: dict[str, list[Reading | None]] = defaultdict(list)
    rows = (
        ApiNodeSample.objects.filter(node_id__in=[n for n, _ in nodes], taken_at__gte=_since(chosen, now, interval))
        .order_by("node_id", "taken_at")
        .values_list("node_id", "taken_at", "error", "total_requests", "error_count", "average_latency_ms")
    )
    for node_id, at, error, requests, errors, latency in rows.iterator(chunk_size=2000):
        by_node[node_id].append(None if error else Reading(at=at, requests=requests, errors=errors,
                                                           latency_ms=latency))
    return {node_id: build_chart(name, by_node.get(node_id, []), chosen, now=now, interval=interval)
            for node_id, name in nodes}
