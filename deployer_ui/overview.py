"""Deployer and API node numbers for the home page."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from deployer_ui import apinode_client
from deployer_ui.client import HEALTH_VALUES, get_client
from portal.upstream import UpstreamError


def deployment_summary() -> dict:
    """Deployments by health. Raises `UpstreamError`."""
    client = get_client()
    deployments = client.list_deployments()
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda d: client.get_deployment_status(d.id), deployments))
    by_health = {health: 0 for health in HEALTH_VALUES}
    for status in statuses:
        by_health[status.health] = by_health.get(status.health, 0) + 1
    return {"deployments": len(deployments), "by_health": by_health}


def api_services_summary() -> dict:
    """Service counts per configured API node. Raises the first node's `UpstreamError` only if every node fails."""
    nodes, errors = {}, []
    for client in apinode_client.all_clients():
        try:
            services = client.list_services()
        except UpstreamError as exc:  # one node down must not hide the others; re-raised below if all fail
            errors.append(exc)
            nodes[client.node_id] = None
            continue
        nodes[client.node_id] = {"services": len(services), "enabled": sum(s.enabled for s in services)}
    if errors and len(errors) == len(nodes):
        raise errors[0]
    return {
        "services": sum(n["services"] for n in nodes.values() if n),
        "nodes": nodes,
        "unreachable": [node_id for node_id, n in nodes.items() if n is None],
    }
