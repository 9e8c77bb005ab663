"""Deployer and API node numbers for the home page."""

from __future__ import annotations

from deployer_ui import apinode_client
from deployer_ui.services import deployment_summary_from_cache
from portal.upstream import UpstreamError


def deployment_summary() -> dict:
    """Deployments by health, counted from the status cache (never a Deployer call). On a cold cache this asks for
    one refresh and returns what is known (zero counts, `loading=True`)."""
    return deployment_summary_from_cache()


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
