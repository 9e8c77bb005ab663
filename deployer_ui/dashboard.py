"""The deployments dashboard: filters, health counts and tiles grouped by stage and infra, read from the status cache,
and the updates running now, read from the database (a tile says "updating 50%").

`read_dashboard` reads the cache and the database; `assemble` is the pure rule (no Redis, no Deployer) that the unit
tests call; `rendered_dashboard` is what the page shows, rendered once for every screen asking within
DEPLOYMENT_DASHBOARD_REUSE_SECONDS while nothing it shows changed (at 2,000 deployments a render is ~1 MB of HTML and
most of a request's time, and five operators' screens polling it cost five renders a poll).
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

from django.conf import settings

from deployer_ui import enqueue
from deployer_ui.client import HEALTH_VALUES
from deployer_ui.models import DeploymentUpdate
from deployer_ui.status_cache import Cycle, StatusCache, StatusView
from portal.lib.freshness import LOADING
from portal.lib.snapshot import one_at_a_time

# (stage, [(infra, [tile, …]), …]), stages in the Deployer's order
Groups = list[tuple[str, list[tuple[str, list[StatusView]]]]]


@dataclass
class DashboardFilters:
    """What the filter form asks for; empty fields match everything. `health` is lower case, as in the form."""

    stage: str = ""
    infra: str = ""
    health: str = ""
    project: str = ""
    q: str = ""

    def matches(self, view: StatusView) -> bool:
        if self.stage and view.stage != self.stage:
            return False
        if self.infra and view.infra_id != self.infra:
            return False
        if self.health and (view.health_class != self.health.lower()):
            return False
        if self.project and view.project_key != self.project:
            return False
        if self.q:
            needle = self.q.lower()
            hay = " ".join((view.id, view.project_key, view.project_name, view.bundle_id, view.deployed_project_key,
                            view.infra_id, view.stage)).lower()
            if needle not in hay:
                return False
        return True


@dataclass(frozen=True)
class RunningUpdate:
    """What a tile shows of an update running on its deployment."""

    update_id: int
    percent: int | None
    starting: bool = False

    @property
    def text(self) -> str:
        if self.starting:
            return "update starting"
        return f"updating {self.percent}%" if self.percent is not None else "updating"


def running_updates() -> dict[str, RunningUpdate]:
    """The portal's updates starting or running now, by deployment id: one small indexed query of the database,
    where each update's poller keeps its progress (never a Deployer call)."""
    rows = DeploymentUpdate.objects.active().values_list("deployment_id", "pk", "progress_percent", "state")
    return {dep: RunningUpdate(pk, percent, state == DeploymentUpdate.State.STARTING)
            for dep, pk, percent, state in rows}


@dataclass
class Dashboard:
    loading: bool
    groups: Groups = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    total: int = 0
    shown: int = 0
    cycle: Cycle = field(default_factory=Cycle)
    stale_count: int = 0
    stages: list[str] = field(default_factory=list)
    infras: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    interval: int = 30
    updating: dict[str, RunningUpdate] = field(default_factory=dict)

    @property
    def upstream_error(self) -> str:
        """The Deployer's last failure, when the shown statuses are not all current ('' when they are)."""
        if self.cycle.ok is False or self.stale_count:
            return self.cycle.error or "Some statuses could not be refreshed"
        return ""


def assemble(views: list[StatusView], stage_order: list[str], filters: DashboardFilters, *, cycle: Cycle | None = None,
             interval: int = 30) -> Dashboard:
    """The dashboard of these cached views: counts by health over all of them; the tiles that match `filters`,
    grouped by stage (the Deployer's order first, then unknown stages by name) and infra, each group sorted by id."""
    counts = OrderedDict((h, 0) for h in (*HEALTH_VALUES, LOADING))
    for view in views:
        counts[view.health] = counts.get(view.health, 0) + 1
    shown = [v for v in views if filters.matches(v)]
    known_stages = stage_order + sorted({v.stage for v in views} - set(stage_order))
    by_stage: OrderedDict[str, OrderedDict[str, list[StatusView]]] = OrderedDict(
        (s, OrderedDict()) for s in known_stages
    )
    for view in sorted(shown, key=lambda v: (v.infra_id, v.id)):
        by_stage.setdefault(view.stage, OrderedDict()).setdefault(view.infra_id, []).append(view)
    return Dashboard(
        loading=False,
        groups=[(stage, list(infras.items())) for stage, infras in by_stage.items() if infras],
        counts=dict(counts),
        total=len(views),
        shown=len(shown),
        cycle=cycle or Cycle(),
        stale_count=sum(1 for v in views if v.stale),
        stages=known_stages,
        infras=sorted({v.infra_id for v in views}),
        projects=sorted({v.project_key for v in views}),
        interval=interval,
    )


def read_dashboard(filters: DashboardFilters) -> Dashboard:
    """The deployments dashboard from the cache, with the running updates from the database (never the Deployer). A
    cold cache yields `loading=True` and asks for one refresh."""
    cache = StatusCache()
    views = cache.all_views()
    if views is None:
        enqueue.refresh_statuses_if_cold(cache)
        return Dashboard(loading=True, cycle=cache.cycle(), interval=cache.interval)
    dashboard = assemble(views, cache.stage_order(), filters, cycle=cache.cycle(), interval=cache.interval)
    dashboard.updating = running_updates()
    return dashboard


_rendered: OrderedDict[str, tuple[float, Dashboard, str]] = OrderedDict()
_rendered_lock = threading.Lock()
RENDERED_KEPT = 8  # a few filters' renders


def _stamp(cache: StatusCache, filters: DashboardFilters) -> str | None:
    """What a render shows apart from the ages: the cache's version, the cycle, the running updates and the filters
    (None: no version to trust, render anew)."""
    version = cache.version()
    if version is None:
        return None
    updates = sorted((dep, u.update_id, u.percent, u.starting) for dep, u in running_updates().items())
    return json.dumps([version, asdict(cache.cycle()), updates, asdict(filters)], default=str)


def rendered_dashboard(filters: DashboardFilters, render: Callable[[Dashboard], str]) -> tuple[Dashboard, str]:
    """The dashboard and its HTML (`render` of it): reused for DEPLOYMENT_DASHBOARD_REUSE_SECONDS while what it shows is
    unchanged, so the ages it shows are at most that much behind (stale is said at most that much late)."""
    cache = StatusCache()
    stamp = _stamp(cache, filters)
    reuse = settings.DEPLOYMENT_DASHBOARD_REUSE_SECONDS

    def fresh() -> tuple[Dashboard, str] | None:
        with _rendered_lock:
            found = _rendered.get(stamp) if stamp else None
        if found and time.monotonic() - found[0] <= reuse:
            return found[1], found[2]
        return None

    if (found := fresh()) is not None:
        return found
    # One render at a time in a process: the screens asking together wait for it, and renders of several filters do
    # not hold their 2,000 views each at the same moment (a process's peak memory).
    with one_at_a_time("dashboard:render"):
        if (found := fresh()) is not None:
            return found
        dashboard = read_dashboard(filters)
        html = render(dashboard)
        if stamp and not dashboard.loading and reuse > 0:
            # Kept without its tiles (2,000 views): the page around the HTML needs only the filters' choices.
            kept = replace(dashboard, groups=[])
            now = time.monotonic()
            with _rendered_lock:
                for old in [key for key, (at, _, _) in _rendered.items() if now - at > reuse]:
                    del _rendered[old]
                _rendered[stamp] = (now, kept, html)
                while len(_rendered) > RENDERED_KEPT:
                    _rendered.popitem(last=False)
    return dashboard, html
