"""The deployment status cache in Redis (a `RedisSnapshot`): its keys, TTLs and the views pages read from it.

Celery writes it (`deployer_ui.refresh`); pages and the portal API only read it. Values are JSON, with times as epoch
seconds; a shape change bumps `PREFIX`, which changes every key.

- `deployer:v2:list`           the deployment list of the last successful listing (dicts, see `deployment_fields`)
- `deployer:v2:stages`         stage ids in the Deployer's order
- `deployer:v2:status:<id>`    a snapshot: deployment fields + health, messages, monitoring, fetched_at, error,
                               last_success_at
- `deployer:v2:cycle`          the refresh cycle: started_at, finished_at, duration, ok, error, count, running
- `deployer:v2:version`        a token that changes whenever what a screen shows changes (a health, a message, an
                               error, the list or stages, the cycle's outcome), and at most once an interval when
                               re-reads found everything as it was (`deployer:v2:version-ages`): wall screens use it
                               as their ETag and count ages in the browser
- `deployer:v2:lock`           held by the one running refresh cycle (token, TTL, renewed while it runs)
- `deployer:v2:lock:<id>`      held while one deployment is re-read after its update ended
- `deployer:v2:asked`          set by the first viewer of a cold cache, so a hundred viewers ask for one refresh
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings

from deployer_ui.client import Deployment, DeploymentStatus
from portal.lib.freshness import LOADING, Freshness
from portal.lib.freshness import now as _now
from portal.lib.freshness import to_datetime as _dt
from portal.lib.locks import AskOnce, CacheLock
from portal.lib.snapshot import RedisSnapshot, one_at_a_time
from portal.lib.snapshot import decode as decode_stored


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


def _shown(snapshot: dict[str, Any] | None) -> tuple:
    """The parts of a snapshot a screen shows, apart from its age: compared before and after a write."""
    if not snapshot:
        return ()
    return (tuple(snapshot.get(key) for key in ("infra_id", "stage", "project_key", "project_name", "bundle_id",
                                                   "deployed_project_key", "health", "error", "has_active_scenarios")),
            repr(snapshot.get("health_messages")), snapshot.get("last_success_at") is None)


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

    @classmethod
    def from_snapshot(cls, deployment_id: str, data: dict[str, Any], interval: int, now: float) -> StatusView:
        """The view of a stored snapshot (listed fields merged with the status, if any) as of epoch `now`."""
        return cls(
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
            **cls.fields_from(data, interval, now),
        )

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
    """The last refresh cycle, as the dashboard's footer and banner show it."""

    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration: float | None = None
    ok: bool | None = None
    error: str = ""
    count: int = 0
    running: bool = False


class StatusCache(RedisSnapshot):
    """Reads and writes the deployment status cache. Cheap to build; holds no state of its own.

    Coordination is the base class's: `lock()` is the refresh cycle's lock, `deployment_lock(id)` one deployment's
    re-read, `asked` the ask-once flag of a cold cache."""

    PREFIX = "deployer:v2"
    # ((key prefix, version), documents): see `documents`; shared by the threads of a process.
    _documents_memo: ClassVar[tuple[tuple[str, str], list[dict[str, Any]]] | None] = None
    _decoded_memo: ClassVar[dict[bytes, Any]] = {}  # the current snapshots by their stored bytes

    def __init__(self, interval: int | None = None):
        self.interval = int(interval or settings.DEPLOYMENT_REFRESH_SECONDS)
        # The lock is renewed after every status read, so it only has to outlive one slow read and the gap between two.
        super().__init__(ttl=int(settings.DEPLOYMENT_STATUS_TTL_SECONDS), lock_ttl=max(60, 2 * self.interval))
        # A lost refresh task is asked for again after one interval, not after the base class's minute.
        self.ASK_TTL = max(10, self.interval)

    def deployment_lock(self, deployment_id: str) -> CacheLock:
        return self.lock(f"lock:{deployment_id}")

    @staticmethod
    def _status(deployment_id: str) -> str:
        return f"status:{deployment_id}"

    # -- the version screens poll against --

    def _changed(self) -> None:
        """What screens show has changed: a new version token (see `version`)."""
        self.write(uuid.uuid4().hex[:16], "version")

    def _read_again(self, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
        """A deployment was read again: a new version if what it shows changed; else at most once an interval, so
        that screens, which count ages from the times they were sent, learn the newer times before calling a
        status stale (three intervals) while a long refresh cycle is still going."""
        ages_moved = AskOnce(self.key("version-ages"), self.interval).ask()  # opens the next window either way
        if ages_moved or _shown(before) != _shown(after):
            self._changed()

    def version(self) -> str | None:
        """The token of what screens show now (None on a cold cache): equal tokens, equal screens, ages apart."""
        return self.read("version")

    # -- writing --

    def save_list(self, deployments: list[Deployment]) -> None:
        listed = [deployment_fields(d) for d in deployments]
        changed = listed != self.load_list()
        self.write(listed, "list")
        if changed:
            self._changed()

    def save_stages(self, stage_ids: list[str]) -> None:
        changed = list(stage_ids) != self.stage_order()
        self.write(list(stage_ids), "stages")
        if changed:
            self._changed()

    def record_status(self, deployment: Deployment, status: DeploymentStatus) -> None:
        now = _now()
        before = self.read(self._status(deployment.id))
        snapshot = {**deployment_fields(deployment), **status_fields(status), "fetched_at": now,
                    "last_success_at": now, "error": ""}
        self.write(snapshot, self._status(deployment.id))
        self._read_again(before, snapshot)

    def record_failure(self, deployment_id: str, error: str, deployment: Deployment | None = None) -> None:
        """Keep the last good status, stamped with this failed attempt and its error (so it shows as stale)."""
        before = self.read(self._status(deployment_id))
        snapshot = dict(before or {"id": deployment_id, "last_success_at": None})
        if deployment is not None:
            snapshot.update(deployment_fields(deployment))
        snapshot.update({"fetched_at": _now(), "error": error[:500]})
        self.write(snapshot, self._status(deployment_id))
        self._read_again(before, snapshot)

    def record_failure_for_all(self, error: str) -> None:
        """The listing itself failed: every known snapshot carries the error from now on."""
        known = self.load_list() or []
        current = self.read_many(self._status(d["id"]) for d in known)
        now = _now()
        updated = {}
        for item in known:
            name = self._status(item["id"])
            snapshot = current.get(name) or {**item, "last_success_at": None}
            snapshot.update({"fetched_at": now, "error": error[:500]})
            updated[name] = snapshot
        self.write_many(updated)
        if updated:
            self._changed()

    def drop(self, deployment_ids: list[str]) -> None:
        self.delete(*(self._status(i) for i in deployment_ids))
        if deployment_ids:
            self._changed()

    def cycle_started(self) -> None:
        cycle = self.read("cycle") or {}
        cycle.update({"started_at": _now(), "running": True})
        self.write(cycle, "cycle")

    def cycle_finished(self, *, ok: bool, error: str = "", count: int = 0) -> None:
        cycle = self.read("cycle") or {}
        now = _now()
        started = cycle.get("started_at") or now
        outcome_before = (cycle.get("ok"), cycle.get("error"), cycle.get("count"))
        cycle.update({"finished_at": now, "duration": round(now - started, 3), "ok": ok, "error": error[:500],
                      "count": count, "running": False})
        self.write(cycle, "cycle")
        if outcome_before != (ok, error[:500], count):
            self._changed()

    # -- reading --

    def load_list(self) -> list[dict[str, Any]] | None:
        value = self.read("list")
        return value if isinstance(value, list) else None

    def stage_order(self) -> list[str]:
        value = self.read("stages")
        return list(value) if isinstance(value, list) else []

    def cycle(self) -> Cycle:
        data = self.read("cycle") or {}
        return Cycle(
            started_at=_dt(data.get("started_at")),
            finished_at=_dt(data.get("finished_at")),
            duration=data.get("duration"),
            ok=data.get("ok"),
            error=data.get("error", ""),
            count=data.get("count", 0),
            running=bool(data.get("running")) and self.lock().held(),
        )

    def is_cold(self) -> bool:
        return self.load_list() is None

    def all_views(self, where: Callable[[dict[str, Any]], bool] | None = None) -> list[StatusView] | None:
        """Every listed deployment with its snapshot, or None on a cold cache. With `where`, only the deployments
        whose listed fields (see `deployment_fields`) it accepts. Ages are counted as of now."""
        documents = self.documents()
        if documents is None:
            return None
        now = _now()
        return [StatusView.from_snapshot(doc["id"], doc, self.interval, now)
                for doc in documents if where is None or where(doc)]

    def documents(self) -> list[dict[str, Any]] | None:
        """Every listed deployment's fields merged with its snapshot, in the list's order (None on a cold cache).

        A process keeps the decoded documents of the current `version` and reuses them until the version changes:
        a dashboard or a wall board then costs one small GET instead of decoding thousands of snapshots. What a
        screen shows changes the version; refreshed ages alone move it at most once an interval (`_read_again`), so
        an age is at most one interval behind, as on a wall screen, and stale is never called early. Read version
        first, data second: data newer than its version is only re-read once more."""
        version = self.version()
        if version is not None and (memo := StatusCache._documents_memo) and memo[0] == (self.key(), version):
            return memo[1]
        with one_at_a_time(self.key("documents")):  # one thread decodes a new version, the others reuse it
            if version is not None and (memo := StatusCache._documents_memo) and memo[0] == (self.key(), version):
                return memo[1]
            listed = self.load_list()
            if listed is None:
                return None
            # A new version changes a few snapshots (or, after a cycle, their reading times): those unchanged byte
            # for byte are not decoded again.
            before, seen = StatusCache._decoded_memo, {}

            def reuse(raw: bytes) -> Any:
                value = before.get(raw)
                seen[raw] = value = decode_stored(raw) if value is None else value
                return value

            snapshots = self.read_many((self._status(item["id"]) for item in listed), decode=reuse)
            StatusCache._decoded_memo = seen
            documents = [{**item, **(snapshots.get(self._status(item["id"])) or {})} for item in listed]
            if version is not None:
                with RedisSnapshot._memo_lock:
                    StatusCache._documents_memo = ((self.key(), version), documents)
            return documents

    def view(self, deployment_id: str) -> StatusView | None:
        """One deployment's cached status, or None if the cache knows nothing about it."""
        snapshot = self.read(self._status(deployment_id))
        if snapshot is None:
            listed = {item["id"]: item for item in self.load_list() or []}
            if deployment_id not in listed:
                return None
            snapshot = listed[deployment_id]
        return StatusView.from_snapshot(deployment_id, snapshot, self.interval, _now())
