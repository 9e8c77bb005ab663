"""The home page's Deployer and API node sections (registered in `apps.py`): numbers read from the caches only."""

from __future__ import annotations

from deployer_ui import enqueue
from deployer_ui.client import HEALTH_VALUES, UPSTREAM_NAME
from deployer_ui.node_cache import NodeStatusCache
from deployer_ui.status_cache import StatusCache
from portal.lib.upstream import UpstreamUnavailable


def _epoch(when) -> float | None:
    return when.timestamp() if when is not None else None


def _oldest(views) -> float | None:
    """When the oldest of these readings was taken: the age of numbers counted from all of them."""
    times = [v.last_success_at for v in views if v.last_success_at is not None]
    return min(times).timestamp() if times else None


def _reason(error: str, upstream: str) -> str:
    """A cached error without the upstream's name ("Deployer cannot be reached" → "cannot be reached"): the home
    page's banner names the upstream once."""
    return error.removeprefix(f"{upstream} ").strip() or "cannot be reached"


def deployment_summary() -> dict:
    """Deployments by health, counted from the status cache (never a Deployer call), `as_of` the oldest reading
    counted. On a cold cache this asks for one refresh and returns what is known (zero counts, `loading=True`).

    When the last refresh could not even list deployments, the counts are the last known and `down` says why; raises
    `UpstreamUnavailable` when there are none."""
    cache = StatusCache()
    cycle = cache.cycle()
    listing_failed = cycle.ok is False and not cycle.count
    views = cache.all_views()
    by_health = {health: 0 for health in HEALTH_VALUES}
    if views is None:
        if listing_failed:
            raise UpstreamUnavailable(_reason(cycle.error, UPSTREAM_NAME), upstream=UPSTREAM_NAME)
        enqueue.refresh_statuses_if_cold(cache)
        return {"deployments": 0, "by_health": by_health, "loading": True, "stale": 0}
    for view in views:
        if not view.loading:
            by_health[view.health] = by_health.get(view.health, 0) + 1
    summary = {
        "deployments": len(views),
        "by_health": by_health,
        "loading": any(v.loading for v in views),
        "stale": sum(1 for v in views if v.stale),
        "as_of": _oldest(views),
    }
    if listing_failed:
        # The Deployer could not be listed at all: the counts are what the cache last knew, and the home page says so
        # (and names the Deployer in its banner) rather than showing them as current.
        summary["down"] = _reason(cycle.error, UPSTREAM_NAME)
    return summary


def api_services_summary() -> dict:
    """Service counts per configured API node, from the node cache (never a node call), `as_of` the oldest sampling
    counted.

    Returns `services` (total known), `nodes` ({node id: {"services", "enabled", "stale", "since" (epoch seconds),
    "error", "age_seconds"}, or None while nothing was ever read from it}), `unreachable` (ids whose last sampling
    failed) and `loading` (some node not sampled yet: one sampling is asked). When every node's last sampling failed,
    `down` says so (the home page names the API nodes in its banner); raises `UpstreamUnavailable` when, besides, no
    node was ever read.
    """
    cache = NodeStatusCache()
    views = cache.all_views()
    enqueue.sample_nodes_if_cold(cache, views)
    all_failed = bool(views) and all(v.failed for v in views)
    if all_failed and all(v.loading for v in views):
        raise UpstreamUnavailable(f"could not be sampled: {views[0].error}", upstream="API nodes")
    nodes = {
        v.id: None if v.loading else {
            "services": len(v.services),
            "enabled": v.enabled_count,
            "stale": v.stale,
            "since": _epoch(v.since),
            "error": v.error,
            "age_seconds": v.age_seconds,
        }
        for v in views
    }
    summary = {
        "services": sum(n["services"] for n in nodes.values() if n),
        "nodes": nodes,
        "unreachable": [v.id for v in views if v.failed],
        "loading": any(v.loading and not v.failed for v in views),
        "as_of": _oldest(views),
    }
    if all_failed:
        summary["down"] = "every node failed its last sampling"
    return summary
