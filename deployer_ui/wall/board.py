"""The wall's board: deployments grouped by stage with problems first, the API nodes band and each deployment's
bundle governance, read from the Redis caches the workers keep (never an upstream), and the version a screen's feed
is answered 304 against.

Ages are not part of the board's version: a screen receives the times (epoch seconds) and counts ages itself, so a
re-read that changed nothing costs fifty screens a 304 each, and a frozen screen still shows its data getting old.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from deployer_ui import enqueue
from deployer_ui.node_cache import CachedService, NodeStatusCache, NodeView
from deployer_ui.status_cache import Cycle, StatusCache, StatusView
from govern_ui import enqueue as govern_enqueue
from govern_ui.bundle_governance import BundleGovernance, BundleGovernanceCache, GovernanceSnapshot
from portal.lib.freshness import LOADING, STALE_INTERVALS

HEALTHY = "HEALTHY"
# Most severe first: the order of tiles within a group and of the summary's counts.
SEVERITY = ("ERROR", "OUT_OF_SYNC", "WARNING", "UNKNOWN", LOADING, HEALTHY)


@dataclass(frozen=True)
class WallScope:
    """Which deployments a wall shows: those in one of `stages`, `infras` and `projects` (empty: any)."""

    stages: tuple[str, ...] = ()
    infras: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()

    @classmethod
    def of(cls, stages=(), infras=(), projects=()) -> WallScope:
        def clean(values) -> tuple[str, ...]:
            return tuple(sorted({str(v).strip() for v in values or () if str(v).strip()}))

        return cls(clean(stages), clean(infras), clean(projects))

    @property
    def everything(self) -> bool:
        return not (self.stages or self.infras or self.projects)

    def accepts(self, item: dict[str, Any]) -> bool:
        """Whether a listed deployment (see `status_cache.deployment_fields`) is on this wall."""
        return ((not self.stages or item.get("stage") in self.stages)
                and (not self.infras or item.get("infra_id") in self.infras)
                and (not self.projects or item.get("project_key") in self.projects))

    def key(self) -> str:
        return json.dumps([self.stages, self.infras, self.projects], separators=(",", ":"))

    def describe(self) -> str:
        parts = [", ".join(values) for values in (self.stages, self.infras, self.projects) if values]
        return " · ".join(parts) or "all deployments"


@dataclass(frozen=True)
class WallTile:
    """One deployment on the wall: its cached status and the governance of the bundle it runs (None: not known yet,
    while the governance snapshot is cold or its links are still being read)."""

    view: StatusView
    governance: BundleGovernance | None = None

    @property
    def health(self) -> str:
        return LOADING if self.view.loading else self.view.health

    @property
    def problem(self) -> bool:
        """Not known to be healthy now: unhealthy, stale or never read."""
        return self.view.stale or self.health != HEALTHY

    @property
    def flagged(self) -> bool:
        return self.governance is not None and self.governance.flagged

    @property
    def rank(self) -> tuple:
        severity = SEVERITY.index(self.health) if self.health in SEVERITY else len(SEVERITY) - 2
        return (severity, not self.flagged, self.view.id)


@dataclass
class StageGroup:
    stage: str
    tiles: list[WallTile] = field(default_factory=list)


@dataclass(frozen=True)
class NodeCard:
    """One API node in the wall's band, with its rates over the last sampling interval (None: not known)."""

    view: NodeView
    requests_per_minute: float | None = None
    error_percent: float | None = None

    @property
    def enabled(self) -> list[CachedService]:
        return [s for s in self.view.services if s.enabled]

    @property
    def disabled(self) -> list[CachedService]:
        return [s for s in self.view.services if not s.enabled]


def node_rates(view: NodeView) -> tuple[float | None, float | None]:
    """(requests per minute, errors as a percent of requests) between the node's last two samplings; None where
    they are missing or a counter went backwards (a node restart)."""
    now, before = view.metrics or {}, view.previous_metrics or {}
    if not (view.metrics_at and view.previous_metrics_at) or view.metrics_at <= view.previous_metrics_at:
        return None, None
    requests = _delta(before.get("total_requests"), now.get("total_requests"))
    errors = _delta(before.get("error_count"), now.get("error_count"))
    if requests is None:
        return None, None
    per_minute = requests * 60 / (view.metrics_at - view.previous_metrics_at)
    return per_minute, (errors * 100 / requests if requests and errors is not None else None)


def _delta(before: Any, after: Any) -> float | None:
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (before, after))
    return after - before if numbers and after >= before else None


@dataclass(frozen=True)
class GovernanceStatus:
    """The governance snapshot as the wall reports it: `loading` while cold."""

    loading: bool
    built_at: float | None = None
    ok: bool = True
    error: str = ""
    complete: bool = False
    interval: int = 60

    @classmethod
    def of(cls, snapshot: GovernanceSnapshot | None, interval: int) -> GovernanceStatus:
        if snapshot is None:
            return cls(loading=True, interval=interval)
        return cls(loading=False, built_at=snapshot.built_at, ok=snapshot.ok, error=snapshot.error,
                   complete=snapshot.complete, interval=interval)


@dataclass
class Board:
    """Everything one wall shows. `pages` holds one page (all groups) up to WALL_PAGE_TILES tiles, else several, the
    first ones carrying the problems."""

    loading: bool
    pages: list[list[StageGroup]] = field(default_factory=list)
    counts: list[tuple[str, int]] = field(default_factory=list)
    total: int = 0
    stale: int = 0
    flagged: int = 0
    cycle: Cycle = field(default_factory=Cycle)
    interval: int = 30
    nodes: list[NodeCard] = field(default_factory=list)
    node_interval: int = 60
    governance: GovernanceStatus = field(default_factory=lambda: GovernanceStatus(loading=True))
    stale_after: int = STALE_INTERVALS

    @property
    def paged(self) -> bool:
        return len(self.pages) > 1

    @property
    def density(self) -> str:
        """How large the tiles are drawn, from the fullest page: roomy (up to 18), normal (up to 36), dense."""
        most = max((sum(len(g.tiles) for g in page) for page in self.pages), default=0)
        return "roomy" if most <= 18 else "normal" if most <= 36 else "dense"

    @property
    def banner(self) -> str:
        """The Deployer's last failure, when the last refresh did not read every status."""
        return (self.cycle.error or "Some statuses could not be read.") if self.cycle.ok is False else ""


def stage_order(deployer_order: list[str], present: set[str]) -> list[str]:
    """The stages of the wall in display order: WALL_STAGE_ORDER first, then the Deployer's stages from last to first
    (production is usually last there), then any others by name; only those with deployments."""
    preferred = [s for s in settings.WALL_STAGE_ORDER]
    ordered = preferred + [s for s in reversed(deployer_order) if s not in preferred]
    ordered += sorted(present - set(ordered) - {""}) + [""]
    return [s for s in dict.fromkeys(ordered) if s in present]


def _group(tiles: list[WallTile], order: list[str]) -> list[StageGroup]:
    groups = {stage: StageGroup(stage) for stage in order}
    for tile in tiles:
        groups[tile.view.stage].tiles.append(tile)
    return [g for g in groups.values() if g.tiles]


def paginate(tiles: list[WallTile], order: list[str], per_page: int) -> list[list[StageGroup]]:
    """One page of stage groups (problems first in each) when the tiles fit, else pages that carry the unhealthy
    tiles first, then the governance-flagged ones, then the rest, each page grouped by stage again."""
    rank = {stage: index for index, stage in enumerate(order)}
    by_rank = sorted(tiles, key=lambda t: t.rank)
    if len(tiles) <= per_page:
        return [_group(by_rank, order)]

    def urgency(tile: WallTile) -> int:
        return 0 if tile.problem else 1 if tile.flagged else 2

    ordered = sorted(tiles, key=lambda t: (urgency(t), rank[t.view.stage], t.rank))
    return [_group(sorted(ordered[i:i + per_page], key=lambda t: t.rank), order)
            for i in range(0, len(ordered), per_page)]


def build_board(scope: WallScope) -> Board:
    """The board of a wall, from the status, node and governance caches only. A cold cache yields `loading` parts
    and asks its worker once (a task on the broker, never an upstream call)."""
    statuses, nodes = StatusCache(), NodeStatusCache()
    governance_store = BundleGovernanceCache()
    node_views = nodes.all_views()
    enqueue.sample_nodes_if_cold(nodes, node_views)
    snapshot = governance_store.load()
    govern_enqueue.refresh_bundle_governance_if_cold(governance_store, snapshot)
    board = Board(
        loading=False, cycle=statuses.cycle(), interval=statuses.interval, node_interval=nodes.interval,
        nodes=[NodeCard(v, *node_rates(v)) for v in node_views],
        governance=GovernanceStatus.of(snapshot, governance_store.interval),
    )
    views = statuses.all_views(where=scope.accepts)
    if views is None:
        enqueue.refresh_statuses_if_cold(statuses)
        board.loading = True
        return board

    def governance_of(view: StatusView) -> BundleGovernance | None:
        if snapshot is None or not view.bundle_id:
            return None
        return snapshot.lookup(view.project_key, view.bundle_id)

    tiles = [WallTile(view, governance_of(view)) for view in views]
    order = stage_order(statuses.stage_order(), {t.view.stage for t in tiles})
    board.pages = paginate(tiles, order, max(1, settings.WALL_PAGE_TILES))
    counted = {health: 0 for health in SEVERITY}
    for tile in tiles:
        counted[tile.health] = counted.get(tile.health, 0) + 1
    board.counts = [(health, n) for health, n in counted.items() if n or health == HEALTHY]
    board.total = len(tiles)
    board.stale = sum(1 for t in tiles if t.view.stale)
    board.flagged = sum(1 for t in tiles if t.flagged)
    return board


# -- what a screen polls ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PollState:
    """What one poll of a feed needs before deciding between 304 and a new board: the data `version` (a digest of
    the cache versions a board is built from and the scope) and the `freshness` times a screen counts ages from."""

    version: str
    freshness: dict[str, Any]


def poll_state(scope: WallScope) -> PollState:
    """The version and freshness of a scope's board: three small reads (one per snapshot), a fourth while a refresh
    cycle runs; no large snapshot is decoded."""
    statuses, governance, nodes = StatusCache(), BundleGovernanceCache(), NodeStatusCache()
    status = statuses.read_many(["version", "cycle"])
    governed = governance.read_many(["display", "built"])
    node_names = [f"node:{n['id']}" for n in settings.API_NODES]
    node_digest = hashlib.sha256(json.dumps(nodes.read_many(node_names), sort_keys=True).encode()).hexdigest()
    layout = [settings.WALL_PAGE_TILES, settings.WALL_STAGE_ORDER, settings.DEPLOYMENT_REFRESH_SECONDS,
              settings.API_NODE_SAMPLE_SECONDS, settings.GOVERN_BUNDLE_REFRESH_SECONDS, settings.TIME_ZONE]
    parts = [status.get("version"), governed.get("display"), node_digest, scope.key(), layout]
    version = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:24]
    cycle = status.get("cycle") if isinstance(status.get("cycle"), dict) else {}
    # A cycle marked running whose worker died left the flag behind: only a held lock says it runs.
    running = bool(cycle.get("running")) and statuses.lock().held()
    freshness = {
        "now": round(time.time(), 3),
        "cycle_finished": cycle.get("finished_at"),
        "cycle_started": cycle.get("started_at") if running else None,
        "governance_built": governed.get("built"),
    }
    return PollState(version=version, freshness=freshness)
