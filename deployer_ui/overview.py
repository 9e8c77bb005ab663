"""Deployer and API node numbers for the home page."""

from __future__ import annotations

from deployer_ui.node_cache import NodeStatusCache
from deployer_ui.services import deployment_summary_from_cache, request_sampling_if_cold
from portal.lib.upstream import UpstreamUnavailable


def deployment_summary() -> dict:
    """Deployments by health, counted from the status cache (never a Deployer call). On a cold cache this asks for
    one refresh and returns what is known (zero counts, `loading=True`)."""
    return deployment_summary_from_cache()


def api_services_summary() -> dict:
    """Service counts per configured API node, from the node cache (never a node call).

    Returns `services` (total known), `nodes` ({node id: {"services", "enabled", "stale", "since", "error",
    "age_seconds"}, or None while nothing was ever read from it}), `unreachable` (ids whose last sampling failed) and
    `loading` (some node not sampled yet: one sampling is asked). Raises `UpstreamUnavailable` only when every node's
    last sampling failed, so the home page names the API nodes in its banner.
    """
    cache = NodeStatusCache()
    views = cache.all_views()
    request_sampling_if_cold(cache, views)
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
