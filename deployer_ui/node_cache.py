"""The API node status cache in Redis (a `RedisSnapshot`): its keys, TTL and the views pages read from it.

The sampling (`deployer_ui.node_sampling`) writes it; the API nodes overview and the home page only read it. Values
are JSON, with times as epoch seconds; a shape change bumps `PREFIX`, which changes every key.

- `apinodes:v2:node:<id>`  one node's snapshot (see `NodeStatusCache.record_success`): health status and details,
                           service summaries, metrics totals and the totals of the sampling before (with their
                           times: a rate per minute needs both), started_at, fetched_at, last_success_at, error
- `apinodes:v2:lock`       held by the one running sampling (token, TTL, renewed while it runs)
- `apinodes:v2:asked`      set by the first viewer of a cold cache, so a hundred viewers ask for one sampling
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from deployer_ui.apinode_client import Metrics, NodeHealth, ServiceSummary
from portal.lib.freshness import LOADING, Freshness
from portal.lib.freshness import now as _now
from portal.lib.snapshot import RedisSnapshot


@dataclass(frozen=True)
class CachedService:
    """A service as the overview shows it (the fields of `ServiceSummary`)."""

    service_id: str
    enabled: bool
    active_generation: str
    generation_count: int


@dataclass
class NodeView(Freshness):
    """One node's cached status as a page shows it: with its age and whether it is stale (see `Freshness`)."""

    id: str
    name: str
    health_details: dict[str, Any] = field(default_factory=dict)
    services: list[CachedService] = field(default_factory=list)
    metrics: dict[str, Any] | None = None
    # The sampling's totals before `metrics`, and when each was read (epoch seconds): a rate needs both.
    metrics_at: float | None = None
    previous_metrics: dict[str, Any] | None = None
    previous_metrics_at: float | None = None

    @property
    def failed(self) -> bool:
        """The last sampling of this node failed."""
        return bool(self.error)

    @property
    def enabled_count(self) -> int:
        return sum(1 for s in self.services if s.enabled)


class NodeStatusCache(RedisSnapshot):
    """Reads and writes the API node status cache. Cheap to build; holds no state of its own.

    Coordination is the base class's: `lock()` is the sampling's lock, `asked` the ask-once flag of a cold cache."""

    PREFIX = "apinodes:v2"

    def __init__(self, interval: int | None = None):
        self.interval = int(interval or settings.API_NODE_SAMPLE_SECONDS)
        # A snapshot lives as long as the samples do; past 3 intervals it is shown stale, not hidden. The lock is
        # renewed after every node, so it only has to outlive one slow node and the gap between two.
        super().__init__(ttl=int(settings.API_NODE_SAMPLE_RETENTION_DAYS) * 24 * 3600,
                         lock_ttl=max(60, 2 * self.interval))
        # A lost sampling task is asked for again after one interval, not after the base class's minute.
        self.ASK_TTL = max(10, self.interval)

    @staticmethod
    def _node(node_id: str) -> str:
        return f"node:{node_id}"

    def _get(self, node_id: str) -> dict[str, Any] | None:
        value = self.read(self._node(node_id))
        return value if isinstance(value, dict) else None

    def _put(self, node_id: str, snapshot: dict[str, Any]) -> bool:
        """Store a snapshot unless a newer reading (started later) is already there. True if stored.

        An in-process refresh after an operator action can finish before a sampling that started earlier; the
        sampling's older reading must not overwrite it. The read-compare-write is not atomic: the window is the
        microseconds between the two Redis calls, and the next sampling corrects it anyway.
        """
        current = self._get(node_id)
        if current and (current.get("started_at") or 0) > snapshot["started_at"]:
            return False
        self.write(snapshot, self._node(node_id))
        return True

    # -- writing --

    def record_success(self, node_id: str, *, started_at: float, health: NodeHealth,
                       services: list[ServiceSummary], metrics: Metrics | None = None) -> bool:
        """A good reading of the node. Without `metrics` (an action's refresh) the last known totals are kept."""
        current = self._get(node_id) or {}
        now = _now()
        if metrics is None:
            totals = {key: current.get(key) for key in ("metrics", "metrics_at", "previous_metrics",
                                                         "previous_metrics_at")}
        else:
            totals = {
                "metrics": {
                    "total_requests": metrics.total_requests,
                    "active_requests": metrics.active_requests,
                    "average_latency_ms": metrics.average_latency_ms,
                    "error_count": metrics.error_count,
                    "services": {sid: {"requests": m.request_count, "errors": m.error_count}
                                 for sid, m in metrics.services.items()},
                },
                "metrics_at": now,
                "previous_metrics": current.get("metrics"),
                "previous_metrics_at": current.get("metrics_at"),
            }
        snapshot = {
            "id": node_id,
            "health": health.status,
            "health_details": health.details,
            "services": [
                {"service_id": s.service_id, "enabled": s.enabled, "active_generation": s.active_generation,
                 "generation_count": s.generation_count}
                for s in services
            ],
            **totals,
            "started_at": started_at,
            "fetched_at": now,
            "last_success_at": now,
            "error": "",
        }
        return self._put(node_id, snapshot)

    def record_failure(self, node_id: str, *, started_at: float, error: str) -> bool:
        """Keep the last good reading, stamped with this failed attempt and its error (so it shows as stale)."""
        snapshot = self._get(node_id) or {"id": node_id, "last_success_at": None}
        snapshot.update({"started_at": started_at, "fetched_at": _now(), "error": error[:500]})
        return self._put(node_id, snapshot)

    # -- reading --

    def _view(self, node: dict[str, Any], data: dict[str, Any] | None, now: float) -> NodeView:
        data = data or {}
        return NodeView(
            id=node["id"],
            name=node.get("name") or node["id"],
            health=(data.get("health") or LOADING) if data.get("last_success_at") else LOADING,
            health_details=dict(data.get("health_details") or {}),
            services=[CachedService(service_id=s.get("service_id", ""), enabled=bool(s.get("enabled")),
                                    active_generation=s.get("active_generation", ""),
                                    generation_count=int(s.get("generation_count") or 0))
                      for s in data.get("services") or [] if isinstance(s, dict)],
            metrics=data.get("metrics"),
            metrics_at=data.get("metrics_at"),
            previous_metrics=data.get("previous_metrics"),
            previous_metrics_at=data.get("previous_metrics_at"),
            **NodeView.fields_from(data, self.interval, now),
        )

    def all_views(self) -> list[NodeView]:
        """Every configured node with its snapshot (one Redis round trip), in configuration order. A node without a
        snapshot yet is `loading`."""
        nodes = list(settings.API_NODES)
        found = self.read_many(self._node(n["id"]) for n in nodes)
        now = _now()
        snapshots = {name: value for name, value in found.items() if isinstance(value, dict)}
        return [self._view(n, snapshots.get(self._node(n["id"])), now) for n in nodes]

    def is_cold(self, views: list[NodeView] | None = None) -> bool:
        """True while some configured node has no snapshot at all (never sampled since the cache was emptied)."""
        views = self.all_views() if views is None else views
        return any(v.fetched_at is None for v in views)
