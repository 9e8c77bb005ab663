"""The deployment status cache in Redis: the one place that knows its keys, TTLs and serialised shapes.

Celery writes it (`deployer_ui.refresh`); pages and the portal API only read it. Stored values are plain JSON-able
dicts (no pickled classes), so a deploy of new code never meets an unreadable cache entry: a shape change bumps
`VERSION`, which changes every key.

- `deployer:v1:list`          the deployment list of the last successful listing (dicts, see `deployment_fields`)
- `deployer:v1:stages`        stage ids in the Deployer's order
- `deployer:v1:status:<id>`   a snapshot: deployment fields + health, messages, monitoring, fetched_at, error,
                              last_success_at (epoch seconds)
- `deployer:v1:cycle`         the refresh cycle: started_at, finished_at, duration, ok, error, count
- `deployer:v1:refresh-lock`  held by the one running refresh (token, TTL, renewed while it runs)
- `deployer:v1:refresh-asked` set by the first viewer of a cold cache, so a hundred viewers enqueue one refresh
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache

from deployer_ui.client import Deployment, DeploymentStatus
from portal.lib.freshness import LOADING, Freshness
from portal.lib.freshness import now as _now
from portal.lib.freshness import to_datetime as _dt
from portal.lib.locks import AskOnce, CacheLock

VERSION = "v1"
PREFIX = f"deployer:{VERSION}"


def deployment_fields(deployment: Deployment) -> dict[str, Any]:
    """The cached identity of a deployment: what a tile shows besides its health."""
    return {
        "id": deployment.id,
        "infra_id": deployment.infra_id,
        "stage": deployment.stage,
        "project_key": deployment.published_project_key,
        "project_name": deployment.project_name,
        "bundle_id": deployment.bundle_id,
        "deployed_project_key": deployment.deployed_project_key,
    }


def status_fields(status: DeploymentStatus) -> dict[str, Any]:
    return {
        "health": status.health,
        "health_messages": [
            {"severity": m.severity, "title": m.title, "message": m.message} for m in status.health_messages
        ],
        "monitoring": {key: list(values) for key, values in status.monitoring.items()},
        "has_scenarios": status.has_scenarios,
        "has_active_scenarios": status.has_active_scenarios,
    }


@dataclass
class StatusView(Freshness):
    """One deployment's cached status as a page shows it: with its age and whether it is stale (see `Freshness`)."""

    id: str
    infra_id: str = ""
    stage: str = ""
    project_key: str = ""
    project_name: str = ""
    bundle_id: str = ""
    deployed_project_key: str = ""
    health_messages: list[dict[str, str]] = field(default_factory=list)
    monitoring: dict[str, list[str]] = field(default_factory=dict)
    has_scenarios: bool = False
    has_active_scenarios: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "infra_id": self.infra_id,
            "stage": self.stage,
            "project_key": self.project_key,
            "project_name": self.project_name,
            "bundle_id": self.bundle_id,
            "deployed_project_key": self.deployed_project_key,
            "health": None if self.loading else self.health,
            "health_messages": self.health_messages,
            "monitoring": self.monitoring,
            "has_scenarios": self.has_scenarios,
            "has_active_scenarios": self.has_active_scenarios,
            "loading": self.loading,
            "stale": self.stale,
            "error": self.error,
            "fetched_at": self.fetched_at,
            "last_success_at": self.last_success_at,
            "age_seconds": self.age_seconds,
        }


@dataclass
class Cycle:
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration: float | None = None
    ok: bool | None = None
    error: str = ""
    count: int = 0
    running: bool = False


class StatusCache:
    """Reads and writes the deployment status cache. Cheap to build; holds no state of its own."""

    def __init__(self, interval: int | None = None):
        self.interval = int(interval or settings.DEPLOYMENT_REFRESH_SECONDS)
        self.ttl = int(settings.DEPLOYMENT_STATUS_TTL_SECONDS)

    # -- keys --

    LIST = f"{PREFIX}:list"
    STAGES = f"{PREFIX}:stages"
    CYCLE = f"{PREFIX}:cycle"
    LOCK = f"{PREFIX}:refresh-lock"
    ASKED = f"{PREFIX}:refresh-asked"

    @staticmethod
    def status_key(deployment_id: str) -> str:
        return f"{PREFIX}:status:{deployment_id}"

    @staticmethod
    def one_lock_key(deployment_id: str) -> str:
        return f"{PREFIX}:status-lock:{deployment_id}"

    @property
    def lock_ttl(self) -> int:
        # Renewed after every status read, so it only has to outlive one slow read and the gap between two.
        return max(60, 2 * self.interval)

    # -- the refresh lock --

    def lock(self, key: str | None = None) -> CacheLock:
        """The refresh lock, or with `key` (see `one_lock_key`) the lock of one deployment's re-read."""
        return CacheLock(key or self.LOCK, self.lock_ttl)

    def acquire_lock(self, key: str | None = None) -> str | None:
        """A token if this caller now holds the (refresh) lock, else None."""
        return self.lock(key).acquire()

    def renew_lock(self, token: str, key: str | None = None) -> bool:
        return self.lock(key).renew(token)

    def release_lock(self, token: str, key: str | None = None) -> None:
        self.lock(key).release(token)

    def refresh_running(self) -> bool:
        return self.lock().held()

    @property
    def asked(self) -> AskOnce:
        """Set by the first caller since the last refresh finished: that caller enqueues the refresh."""
        return AskOnce(self.ASKED, max(10, self.interval))

    def ask_refresh_once(self) -> bool:
        return self.asked.ask()

    def clear_refresh_asked(self) -> None:
        self.asked.clear()

    # -- writing --

    def save_list(self, deployments: list[Deployment]) -> None:
        cache.set(self.LIST, [deployment_fields(d) for d in deployments], self.ttl)

    def save_stages(self, stage_ids: list[str]) -> None:
        cache.set(self.STAGES, list(stage_ids), self.ttl)

    def record_status(self, deployment: Deployment, status: DeploymentStatus) -> None:
        now = _now()
        snapshot = {
            **deployment_fields(deployment),
            **status_fields(status),
            "fetched_at": now,
            "last_success_at": now,
            "error": "",
        }
        cache.set(self.status_key(deployment.id), snapshot, self.ttl)

    def record_failure(self, deployment_id: str, error: str, deployment: Deployment | None = None) -> None:
        """Keep the last good status, stamped with this failed attempt and its error (so it shows as stale)."""
        snapshot = cache.get(self.status_key(deployment_id)) or {"id": deployment_id, "last_success_at": None}
        if deployment is not None:
            snapshot.update(deployment_fields(deployment))
        snapshot.update({"fetched_at": _now(), "error": error[:500]})
        cache.set(self.status_key(deployment_id), snapshot, self.ttl)

    def record_failure_for_all(self, error: str) -> None:
        """The listing itself failed: every known snapshot carries the error from now on."""
        known = self.load_list() or []
        keys = [self.status_key(d["id"]) for d in known]
        current = cache.get_many(keys) if keys else {}
        now = _now()
        updated = {}
        for item in known:
            key = self.status_key(item["id"])
            snapshot = current.get(key) or {**item, "last_success_at": None}
            snapshot.update({"fetched_at": now, "error": error[:500]})
            updated[key] = snapshot
        if updated:
            cache.set_many(updated, self.ttl)

    def drop(self, deployment_ids: list[str]) -> None:
        if deployment_ids:
            cache.delete_many([self.status_key(i) for i in deployment_ids])

    def cycle_started(self) -> None:
        cycle = cache.get(self.CYCLE) or {}
        cycle.update({"started_at": _now(), "running": True})
        cache.set(self.CYCLE, cycle, self.ttl)

    def cycle_finished(self, *, ok: bool, error: str = "", count: int = 0) -> None:
        cycle = cache.get(self.CYCLE) or {}
        now = _now()
        started = cycle.get("started_at") or now
        cycle.update({"finished_at": now, "duration": round(now - started, 3), "ok": ok, "error": error[:500],
                      "count": count, "running": False})
        cache.set(self.CYCLE, cycle, self.ttl)

    # -- reading --

    def load_list(self) -> list[dict[str, Any]] | None:
        value = cache.get(self.LIST)
        return value if isinstance(value, list) else None

    def stage_order(self) -> list[str]:
        value = cache.get(self.STAGES)
        return list(value) if isinstance(value, list) else []

    def cycle(self) -> Cycle:
        data = cache.get(self.CYCLE) or {}
        return Cycle(
            started_at=_dt(data.get("started_at")),
            finished_at=_dt(data.get("finished_at")),
            duration=data.get("duration"),
            ok=data.get("ok"),
            error=data.get("error", ""),
            count=data.get("count", 0),
            running=bool(data.get("running")) and self.refresh_running(),
        )

    def is_cold(self) -> bool:
        return self.load_list() is None

    def finished_within(self, seconds: float) -> bool:
        data = cache.get(self.CYCLE) or {}
        finished = data.get("finished_at")
        return bool(finished and data.get("ok") and _now() - finished < seconds)

    def _view(self, deployment_id: str, base: dict[str, Any], snapshot: dict[str, Any] | None, now: float
              ) -> StatusView:
        data = {**base, **(snapshot or {})}
        return StatusView(
            id=deployment_id,
            infra_id=data.get("infra_id", ""),
            stage=data.get("stage", ""),
            project_key=data.get("project_key", ""),
            project_name=data.get("project_name", ""),
            bundle_id=data.get("bundle_id", ""),
            deployed_project_key=data.get("deployed_project_key", ""),
            health=data.get("health", LOADING) if data.get("last_success_at") else LOADING,
            health_messages=list(data.get("health_messages") or []),
            monitoring=dict(data.get("monitoring") or {}),
            has_scenarios=bool(data.get("has_scenarios")),
            has_active_scenarios=bool(data.get("has_active_scenarios")),
            **StatusView.fields_from(data, self.interval, now),
        )

    def all_views(self) -> list[StatusView] | None:
        """Every listed deployment with its snapshot (one Redis round trip), or None on a cold cache."""
        listed = self.load_list()
        if listed is None:
            return None
        keys = [self.status_key(item["id"]) for item in listed]
        snapshots = cache.get_many(keys) if keys else {}
        now = _now()
        return [self._view(item["id"], item, snapshots.get(self.status_key(item["id"])), now) for item in listed]

    def view(self, deployment_id: str) -> StatusView | None:
        """One deployment's cached status, or None if the cache knows nothing about it."""
        snapshot = cache.get(self.status_key(deployment_id))
        if snapshot is None:
            listed = {item["id"]: item for item in self.load_list() or []}
            if deployment_id not in listed:
                return None
            return self._view(deployment_id, listed[deployment_id], None, _now())
        return self._view(deployment_id, {}, snapshot, _now())
