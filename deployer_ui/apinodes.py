"""API nodes: the overview and node pages, a service's page and traffic chart, and the actions on a service.

The overview reads only the node cache (kept by `node_sampling`); the node and service pages read the node live. An
action is audited and re-reads the acted-on node into the cache at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from deployer_ui import apinode_client, enqueue
from deployer_ui.apinode_client import AuthKey, Generation, NodeHealth, Service
from deployer_ui.charts import NODE_LIST_RANGE, RANGES, Chart, node_charts, parse_range, service_chart
from deployer_ui.node_cache import NodeStatusCache, NodeView
from deployer_ui.node_sampling import refresh_node
from portal.audit.service import record
from portal.lib.upstream import UpstreamError, UpstreamNotFound, UpstreamUnavailable
from portal.lib.web import upstream_error_text

# --- the overview -------------------------------------------------------------------------------------------------


@dataclass
class NodesOverview:
    nodes: list[NodeView]
    interval: int
    charts: dict[str, Chart] = field(default_factory=dict)  # node id → its traffic over the last hour (samples)

    @property
    def loading(self) -> bool:
        return any(n.loading and not n.failed for n in self.nodes)

    @property
    def failed(self) -> list[NodeView]:
        return [n for n in self.nodes if n.failed]


def overview() -> NodesOverview:
    """Every configured node's cached status and its traffic chart from the stored samples (never a node call). A
    cold cache asks for one sampling."""
    cache = NodeStatusCache()
    views = cache.all_views()
    enqueue.sample_nodes_if_cold(cache, views)
    return NodesOverview(nodes=views, interval=cache.interval,
                         charts=node_charts([(v.id, v.name) for v in views], RANGES[NODE_LIST_RANGE]))


# --- a node and a service, read live --------------------------------------------------------------------------------


@dataclass
class NodeDetail:
    id: str
    name: str
    health: NodeHealth | None = None
    services: list[Service] = field(default_factory=list)
    keys: list[AuthKey] = field(default_factory=list)
    upstream_errors: list[str] = field(default_factory=list)


def node_detail(node_id: str) -> NodeDetail:
    """Health, services (with endpoints) and auth keys (metadata only) of one node. Raises `UpstreamNotFound` for an
    unconfigured node; other failures are listed in `upstream_errors`."""
    conf = apinode_client.node_settings(node_id)
    client = apinode_client.get_client(node_id)
    detail = NodeDetail(id=node_id, name=conf["name"])
    try:
        detail.health = client.get_health()
    except UpstreamUnavailable as exc:
        # Down or too slow: its other calls would each wait as long again, and the page must answer in one timeout.
        detail.upstream_errors.append(upstream_error_text(exc))
        return detail
    except UpstreamError as exc:
        detail.upstream_errors.append(upstream_error_text(exc))
    try:
        summaries = client.list_services()
        detail.services = [client.get_service(s.service_id) for s in summaries]
        detail.keys = client.list_auth_keys()
    except UpstreamError as exc:
        detail.upstream_errors.append(upstream_error_text(exc))
    return detail


@dataclass
class ServiceDetail:
    node_id: str
    node_name: str
    service_id: str
    chart: Chart
    service: Service | None = None
    generations: list[Generation] = field(default_factory=list)
    upstream_error: str = ""


def service_detail(node_id: str, service_id: str, range_key: str = "") -> ServiceDetail:
    """A service of a node with its generations (read live) and its traffic chart over `range_key` ("1h", "24h",
    "7d"; empty for the default) from the stored samples. Raises `UpstreamNotFound` for an unconfigured node or an
    unknown service, `ValueError` for an unknown range; other failures are in `upstream_error`."""
    conf = apinode_client.node_settings(node_id)
    client = apinode_client.get_client(node_id)
    detail = ServiceDetail(node_id=node_id, node_name=conf["name"], service_id=service_id,
                           chart=service_chart(node_id, service_id, parse_range(range_key)))
    try:
        detail.service = client.get_service(service_id)
        detail.generations = [client.get_generation(service_id, g.generation_id)
                              for g in client.list_generations(service_id)]
    except UpstreamNotFound:
        raise
    except UpstreamError as exc:
        detail.upstream_error = upstream_error_text(exc)
    return detail


# --- actions on a service -----------------------------------------------------------------------------------------


SERVICE_ACTIONS = {
    "enable": "Enable",
    "disable": "Disable",
    "switch": "Switch to generation",
    "preload": "Preload generation",
}
GENERATION_ACTIONS = ("switch", "preload")


def require_node(node_id: str) -> None:
    """Raises `UpstreamNotFound` for a node that is not configured."""
    apinode_client.node_settings(node_id)


@dataclass(frozen=True)
class ServiceAction:
    node_id: str
    service_id: str
    action: str
    generation_id: str = ""

    @property
    def label(self) -> str:
        return SERVICE_ACTIONS[self.action]

    @property
    def target(self) -> str:
        """What the action is applied to, in words: "fraud-scoring on apinode-a, generation v2"."""
        return f"{self.service_id} on {self.node_id}" + (f", generation {self.generation_id}"
                                                          if self.generation_id else "")


def prepare_service_action(node_id: str, service_id: str, action: str, generation_id: str = "") -> ServiceAction:
    """The action, once its service (and generation, for a generation action) is known to exist on the node.
    Raises `UpstreamNotFound` for an unknown node, service or generation; `UpstreamError`."""
    client = apinode_client.get_client(node_id)
    if action in GENERATION_ACTIONS:
        client.get_generation(service_id, generation_id)
    else:
        client.get_service(service_id)
    return ServiceAction(node_id, service_id, action, generation_id)


def run_service_action(*, user, action: ServiceAction) -> None:
    """Enable/disable a service, or switch to / preload a generation. Audited; on success the node's cached snapshot
    is re-read at once. Raises `UpstreamError`."""
    client = apinode_client.get_client(action.node_id)
    service_id, generation_id = action.service_id, action.generation_id
    calls = {
        "enable": lambda: client.enable_service(service_id),
        "disable": lambda: client.disable_service(service_id),
        "switch": lambda: client.switch_generation(service_id, generation_id),
        "preload": lambda: client.preload_generation(service_id, generation_id),
    }
    audit = {"action": f"api_service.{action.action}", "target_type": "api_service",
             "target_id": f"{action.node_id}/{service_id}",
             "input": {"generation_id": generation_id} if generation_id else {}}
    try:
        calls[action.action]()
    except UpstreamError as exc:
        record(actor=user, outcome="failed", upstream_status=exc.status, detail=upstream_error_text(exc), **audit)
        raise
    record(actor=user, outcome="success", **audit)
    # The operator (and every wall screen) should see the new state now, not at the next sampling: one node, cheap.
    refresh_node(action.node_id)
