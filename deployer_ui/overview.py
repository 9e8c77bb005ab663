"""The home page's Deployer and API node sections (registered in `apps.py`): numbers read from the caches only."""

from __future__ import annotations

from deployer_ui import enqueue
from deployer_ui.client import HEALTH_VALUES, UPSTREAM_NAME
from deployer_ui.node_cache import NodeStatusCache
from deployer_ui.status_cache import StatusCache
from portal.lib.upstream import UpstreamUnavailable


def deployment_summary() -> dict:
    """Deployments by health, counted from the status cache (never a Deployer call). On a cold cache this asks for
    one refresh and returns what is known (zero counts, `loading=True`).

    Raises `UpstreamUnavailable` when the last refresh could not list deployments at all."""
    cache = StatusCache()
    cycle = cache.cycle()
    if cycle.ok is False and not cycle.count:
        # The last refresh could not even list deployments: the home page names the Deployer in its banner rather
        # than showing counts that are no longer current.
        raise UpstreamUnavailable(cycle.error or "cannot be reached", upstream=UPSTREAM_NAME)
    views = cache.all_views()
    by_health = {health: 0 for health in HEALTH_VALUES}
    if views is None:
        enqueue.refresh_statuses_if_cold(cache)
        return {"deployments": 0, "by_health": by_health, "loading": True, "stale": 0}
    for view in views:
        if not view.loading:
            by_health[view.health] = by_health.get(view.health, 0) + 1
    return {
        "deployments": len(views),
        "by_health": by_health,
        "loading": any(v.loading for v in views),
        "stale": sum(1 for v in views if v.stale),
    }


def api_services_summary() -> dict:
    """Service counts per configured API node, from the node cache (never a node call).

    Returns `services` (total known), `nodes` ({node id: {"services", "enabled", "stale", "since", "error",
    "age_seconds"}, or None while nothing was ever read from it}), `unreachable` (ids whose last sampling failed) and
    `loading` (some node not sampled yet: one sampling is asked). Raises `UpstreamUnavailable` only when every node's
    last sampling failed, so the home page names the API nodes in its banner.
    """
    cache = NodeStatusCache()
    views = cache.all_views()
    enqueue.sample_nodes_if_cold(cache, views)
    if views and all(v.failed for v in views):
        raise UpstreamUnavailable(f"could not be sampled: {views[0].error}", upstream="API nodes")
    nodes = {
        v.id: None if v.loading else {
            "services": len(v.services),
            "enabled": v.enabled_count,
            "stale": v.stale,
            "since": v.since,
            "error": v.error,
            "age_seconds": v.age_seconds,
        }
        for v in views
    }
    return {
        "services": sum(n["services"] for n in nodes.values() if n),
        "nodes": nodes,
        "unreachable": [v.id for v in views if v.failed],
        "loading": any(v.loading and not v.failed for v in views),
    }
