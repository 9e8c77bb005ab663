"""Sampling the API nodes: every node's sampling (beat, every API_NODE_SAMPLE_SECONDS), one node's refresh after an
operator action, and pruning old samples.

A sampling reads each node's `/health`, `/metrics` and `/services` (nodes in parallel, HTTP only in the threads: the
database is written once, from the calling thread), stores one `ApiNodeSample` row per node for the charts, and one
snapshot per node in `NodeStatusCache` for the pages. Upstream failures are recorded, never raised.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from deployer_ui import apinode_client
from deployer_ui.apinode_client import ApiNodeClient, Metrics, NodeHealth, ServiceSummary
from deployer_ui.models import ApiNodeSample
from deployer_ui.node_cache import NodeStatusCache
from portal.lib.upstream import UpstreamError
from portal.lib.web import upstream_error_text

log = logging.getLogger(__name__)

MAX_PARALLEL_NODES = 8


@dataclass
class Reading:
    """What one sampling read from one node. `sample_error` is what the DB sample records (health or metrics
    failed); `error` is any failure, which makes the cached snapshot stale."""

    node_id: str
    started_at: float
    health: NodeHealth | None = None
    metrics: Metrics | None = None
    services: list[ServiceSummary] | None = None
    sample_error: str = ""
    error: str = ""


def _read(client: ApiNodeClient) -> Reading:
    reading = Reading(node_id=client.node_id, started_at=time.time())
    try:
        reading.health = client.get_health()
    except UpstreamError as exc:  # unreachable: the other two calls would only wait on the same timeouts
        reading.sample_error = reading.error = upstream_error_text(exc)
        return reading
    try:
        reading.metrics = client.get_metrics()
    except UpstreamError as exc:
        reading.sample_error = reading.error = upstream_error_text(exc)
    try:
        reading.services = client.list_services()
    except UpstreamError as exc:
        reading.error = reading.error or upstream_error_text(exc)
    return reading


def _sample_row(reading: Reading, taken_at) -> ApiNodeSample:
    sample = ApiNodeSample(node_id=reading.node_id, taken_at=taken_at)
    if reading.health is not None:
        sample.health_status = reading.health.status
    if reading.sample_error or reading.metrics is None:
        sample.error = reading.sample_error[:500]
        return sample
    metrics = reading.metrics
    sample.total_requests = metrics.total_requests
    sample.active_requests = metrics.active_requests
    sample.average_latency_ms = metrics.average_latency_ms
    sample.error_count = metrics.error_count
    sample.services = {
        sid: {"requests": m.request_count, "latency_ms": m.average_latency_ms, "errors": m.error_count}
        for sid, m in metrics.services.items()
    }
    return sample


def _cache_reading(cache: NodeStatusCache, reading: Reading) -> None:
    if reading.error or reading.health is None or reading.services is None:
        cache.record_failure(reading.node_id, started_at=reading.started_at, error=reading.error)
    else:
        cache.record_success(reading.node_id, started_at=reading.started_at, health=reading.health,
                             services=reading.services, metrics=reading.metrics)


def sample_all(*, on_demand: bool = False) -> int:
    """One sampling of every configured node into the database and the cache. Returns the number of nodes sampled.

    Returns 0 without calling any node when another sampling holds the lock, or when an on-demand sampling (asked by
    a page that found the cache cold) finds it already warm.
    """
    cache = NodeStatusCache()
    if on_demand and not cache.is_cold():
        cache.asked.clear()
        return 0
    lock = cache.lock()
    token = lock.acquire()
    if token is None:
        log.info("API node sampling skipped: another one is running")
        return 0
    try:
        clients = apinode_client.all_clients()
        if not clients:
            return 0

        def read(client: ApiNodeClient) -> Reading:
            try:
                return _read(client)
            finally:
                lock.renew(token)

        workers = max(1, min(MAX_PARALLEL_NODES, len(clients)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="apinode-sample") as pool:
            readings = list(pool.map(read, clients))
        taken_at = timezone.now()
        ApiNodeSample.objects.bulk_create([_sample_row(r, taken_at) for r in readings])
        for reading in readings:
            if reading.error:
                log.warning("API node sampling: %s", reading.error)
            _cache_reading(cache, reading)
        return len(readings)
    finally:
        lock.release(token)
        cache.asked.clear()


def refresh_node(node_id: str) -> None:
    """Re-read one node's health and services into its cached snapshot now (after an operator action), keeping its
    last metrics totals. Failures are recorded in the snapshot, not raised; raises `UpstreamNotFound` only for a node
    that is not configured."""
    client = apinode_client.get_client(node_id)
    reading = Reading(node_id=node_id, started_at=time.time(), metrics=None)
    try:
        reading.health = client.get_health()
        reading.services = client.list_services()
    except UpstreamError as exc:
        reading.error = upstream_error_text(exc)
    _cache_reading(NodeStatusCache(), reading)


def prune_samples() -> int:
    """Delete samples older than API_NODE_SAMPLE_RETENTION_DAYS. Returns how many were deleted."""
    cutoff = timezone.now() - timedelta(days=settings.API_NODE_SAMPLE_RETENTION_DAYS)
    deleted, _ = ApiNodeSample.objects.filter(taken_at__lt=cutoff).delete()
    return deleted
