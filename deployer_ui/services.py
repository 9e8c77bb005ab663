"""Use cases of the operators' view: read the status cache, start/poll/abort updates, act on API services."""

from __future__ import annotations

import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from deployer_ui import apinode_client
from deployer_ui.client import HEALTH_VALUES, UPSTREAM_NAME, Deployment, Future, get_client
from deployer_ui.models import ApiNodeSample, DeploymentUpdate
from deployer_ui.node_cache import NodeStatusCache, NodeView
from deployer_ui.node_sampling import refresh_node, sample_all
from deployer_ui.refresh import describe, refresh_one
from deployer_ui.status_cache import LOADING, Cycle, StatusCache, StatusView
from portal.audit.service import record
from portal.lib.sparkline import sparkline
from portal.lib.upstream import UpstreamBadResponse, UpstreamError, UpstreamNotFound, UpstreamUnavailable

log = logging.getLogger(__name__)

State, Outcome = DeploymentUpdate.State, DeploymentUpdate.Outcome


class ActionRefusedError(Exception):
    """The portal refuses an action before calling any upstream (`message` says why, for the user)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- the status cache, as pages read it -------------------------------------------------------------------------------


def request_refresh_if_cold(cache: StatusCache) -> bool:
    """On a cold cache, enqueue one refresh (the first viewer does; the others find it asked). True if enqueued."""
    if not cache.is_cold() or cache.refresh_running() or not cache.ask_refresh_once():
        return False
    from deployer_ui.tasks import refresh_deployments

    transaction.on_commit(lambda: refresh_deployments.delay(on_demand=True))
    return True


@dataclass
class DashboardFilters:
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


@dataclass
class Dashboard:
    loading: bool
    groups: list[tuple[str, list[tuple[str, list[StatusView]]]]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    total: int = 0
    shown: int = 0
    cycle: Cycle = field(default_factory=Cycle)
    stale_count: int = 0
    stages: list[str] = field(default_factory=list)
    infras: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    interval: int = 30

    @property
    def banner(self) -> str:
        """The Deployer's last failure, when the shown statuses are not all current."""
        if self.cycle.ok is False or self.stale_count:
            return self.cycle.error or "Some statuses could not be refreshed."
        return ""


def dashboard(filters: DashboardFilters) -> Dashboard:
    """The deployments dashboard from the cache only. A cold cache yields `loading=True` and asks for one refresh."""
    cache = StatusCache()
    views = cache.all_views()
    if views is None:
        request_refresh_if_cold(cache)
        return Dashboard(loading=True, cycle=cache.cycle(), interval=cache.interval)
    stage_order = cache.stage_order()
    counts = OrderedDict((h, 0) for h in (*HEALTH_VALUES, LOADING))
    for view in views:
        counts[view.health] = counts.get(view.health, 0) + 1
    shown = [v for v in views if filters.matches(v)]
    known_stages = stage_order + sorted({v.stage for v in views} - set(stage_order))
    by_stage: OrderedDict[str, OrderedDict[str, list[StatusView]]] = OrderedDict((s, OrderedDict()) for s in
                                                                                  known_stages)
    for view in sorted(shown, key=lambda v: (v.infra_id, v.id)):
        by_stage.setdefault(view.stage, OrderedDict()).setdefault(view.infra_id, []).append(view)
    groups = [(stage, list(infras.items())) for stage, infras in by_stage.items() if infras]
    return Dashboard(
        loading=False,
        groups=groups,
        counts=dict(counts),
        total=len(views),
        shown=len(shown),
        cycle=cache.cycle(),
        stale_count=sum(1 for v in views if v.stale),
        stages=known_stages,
        infras=sorted({v.infra_id for v in views}),
        projects=sorted({v.project_key for v in views}),
        interval=cache.interval,
    )


def deployment_summary_from_cache() -> dict:
    """Counts by health from cached snapshots (the home page). Never calls the Deployer; cold → asks one refresh.

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
        request_refresh_if_cold(cache)
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


# --- deployment detail ------------------------------------------------------------------------------------------------


@dataclass
class DeploymentDetail:
    id: str
    status: StatusView | None
    deployment: Deployment | None = None
    settings: Any = None
    updates: list[DeploymentUpdate] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    active_update: DeploymentUpdate | None = None


def deployment_detail(deployment_id: str) -> DeploymentDetail:
    """The cached status plus live deployment info, settings and bundles (best effort, errors listed).

    Raises `UpstreamNotFound` when neither the cache nor the Deployer knows the id.
    """
    cache = StatusCache()
    status = cache.view(deployment_id)
    if status is None:
        request_refresh_if_cold(cache)
    detail = DeploymentDetail(id=deployment_id, status=status)
    client = get_client()
    try:
        detail.deployment = client.get_deployment(deployment_id)
        detail.settings = client.get_deployment_settings(deployment_id)
    except UpstreamNotFound:
        raise
    except UpstreamError as exc:
        if status is None:
            raise
        detail.errors.append(describe(exc))
    detail.updates = list(DeploymentUpdate.objects.filter(deployment_id=deployment_id)[:50])
    detail.active_update = next((u for u in detail.updates if u.state in DeploymentUpdate.ACTIVE_STATES), None)
    return detail


def bundle_choices(deployment: Deployment) -> list[str]:
    ids = [p.id for p in deployment.packages] or list(deployment.bundle_ids)
    return list(dict.fromkeys(ids))


# --- updates ----------------------------------------------------------------------------------------------------------


def start_update(*, user, deployment_id: str, bundle_id: str = "") -> DeploymentUpdate:
    """Start an asynchronous update (after saving `bundle_id` in the settings when given); returns the record.

    The record is written before the Deployer is asked, then the poller is enqueued on commit. Raises
    `ActionRefusedError` (an update of this deployment is already running; unknown bundle) or `UpstreamError`
    (after recording and auditing the failure).
    """
    client = get_client()
    deployment = client.get_deployment(deployment_id)
    if bundle_id and bundle_id not in bundle_choices(deployment):
        raise ActionRefusedError(f"Bundle {bundle_id} is not a bundle of project {deployment.published_project_key}.")
    try:
        with transaction.atomic():
            update = DeploymentUpdate.objects.create(
                deployment_id=deployment.id,
                project_key=deployment.published_project_key,
                requester=user,
                requester_username=user.get_username(),
                bundle_id=bundle_id,
                previous_bundle_id=deployment.bundle_id,
            )
    except IntegrityError:
        raise ActionRefusedError(f"An update of {deployment_id} is already running.") from None
    action = "deployment.deploy_bundle" if bundle_id else "deployment.update"
    audit_input = {"bundle_id": bundle_id, "previous_bundle_id": deployment.bundle_id} if bundle_id else {}
    try:
        if bundle_id:
            current = client.get_deployment_settings(deployment_id)
            client.save_deployment_settings(deployment_id, current.with_bundle(bundle_id))
        future = client.update_deployment(deployment_id, synchronous=False)
    except UpstreamError as exc:
        _finish(update, None, Outcome.ERROR, error=describe(exc))
        record(actor=user, action=action, target_type="deployment", target_id=deployment_id, outcome="failed",
               input=audit_input, upstream_status=exc.status, detail=describe(exc))
        raise
    DeploymentUpdate.objects.filter(pk=update.pk).update(
        job_id=future.job_id, state=State.RUNNING, progress_percent=future.percent,
        progress_label=future.progress_label[:255],
    )
    update.refresh_from_db()
    record(actor=user, action=action, target_type="deployment", target_id=deployment_id, outcome="started",
           input={**audit_input, "job_id": future.job_id, "update_id": update.pk})
    from deployer_ui.tasks import poll_update as poll_task

    transaction.on_commit(lambda: poll_task.delay(update.pk))
    return update


def abort_update(*, user, update: DeploymentUpdate) -> None:
    """Ask the Deployer to abort an update's future; the poller records the aborted end. Raises `ActionRefusedError`
    (already finished) or `UpstreamError` (audited)."""
    if update.finished or not update.job_id:
        reason = "This update has already ended." if update.finished else "This update has not started."
        raise ActionRefusedError(reason)
    try:
        get_client().abort_future(update.job_id)
    except UpstreamError as exc:
        record(actor=user, action="deployment.update.abort", target_type="deployment", target_id=update.deployment_id,
               outcome="failed", input={"job_id": update.job_id, "update_id": update.pk}, upstream_status=exc.status,
               detail=describe(exc))
        raise
    DeploymentUpdate.objects.filter(pk=update.pk).update(abort_requested_by=user.get_username())
    record(actor=user, action="deployment.update.abort", target_type="deployment", target_id=update.deployment_id,
           outcome="requested", input={"job_id": update.job_id, "update_id": update.pk})


def abort_task(*, user, job_id: str) -> None:
    """Abort any running task (the Running tasks page, admins). Raises `UpstreamError` (audited)."""
    try:
        get_client().abort_future(job_id)
    except UpstreamError as exc:
        record(actor=user, action="task.abort", target_type="future", target_id=job_id, outcome="failed",
               upstream_status=exc.status, detail=describe(exc))
        raise
    DeploymentUpdate.objects.filter(job_id=job_id, state=State.RUNNING).update(abort_requested_by=user.get_username())
    record(actor=user, action="task.abort", target_type="future", target_id=job_id, outcome="requested")


def _outcome_of(future: Future) -> tuple[str, list[dict], str]:
    """(outcome, reports as JSON, error message) of a finished future."""
    if future.has_result:
        try:
            result = future.update_result()
        except UpstreamBadResponse as exc:
            return Outcome.UNKNOWN, [], describe(exc)
        if result is None:
            return Outcome.UNKNOWN, [], "The Deployer reported a result without reports."
        return result.outcome, [r.to_json() for r in result.reports], ""
    if future.aborted:
        return Outcome.ABORTED, [], ""
    return Outcome.UNKNOWN, [], "The task ended without a result."


def _finish(update: DeploymentUpdate, token: str | None, outcome: str, *, reports=None, error: str = "",
            percent: int | None = None) -> bool:
    """Record the end of an update, only if it is still unfinished (and still ours, when polled)."""
    rows = DeploymentUpdate.objects.filter(pk=update.pk).exclude(state=State.FINISHED)
    if token is not None:
        rows = rows.filter(lease_owner=token)
    values = {"state": State.FINISHED, "outcome": outcome, "finished_at": timezone.now(), "lease_until": None,
              "error_message": error[:2000]}
    if reports is not None:
        values["reports"] = reports
    if percent is not None:
        values["progress_percent"] = percent
    return rows.update(**values) == 1


def _after_finish(update_id: int) -> None:
    update = DeploymentUpdate.objects.get(pk=update_id)
    record(actor=None, action="deployment.update.finish", target_type="deployment", target_id=update.deployment_id,
           outcome=update.outcome, input={"job_id": update.job_id, "update_id": update.pk},
           detail=update.error_message)
    # The operator watching wants the tile to show the result now, not at the next beat.
    refresh_one(update.deployment_id)


def poll_update(update_id: int, *, sleep: Callable[[float], None] = time.sleep) -> str:
    """Poll an update's future until it ends, storing progress and the result. Returns what happened.

    Claims the row with a lease first (a conditional UPDATE): if another poller holds a live lease, returns
    "not-claimed" at once. Renews the lease on every read and stops ("lease-lost") if it lost it.
    """
    token = uuid.uuid4().hex
    lease = timedelta(seconds=settings.DEPLOYMENT_UPDATE_LEASE_SECONDS)
    now = timezone.now()
    claimed = (
        DeploymentUpdate.objects.filter(pk=update_id, state=State.RUNNING)
        .exclude(job_id="")
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_owner=token, lease_until=now + lease)
    )
    if not claimed:
        return "not-claimed"
    update = DeploymentUpdate.objects.get(pk=update_id)
    client = get_client()
    delay = settings.DEPLOYMENT_UPDATE_POLL_MIN_SECONDS
    give_up = timedelta(seconds=settings.DEPLOYMENT_UPDATE_GIVE_UP_SECONDS)
    while True:
        if timezone.now() - update.started_at > give_up:
            if _finish(update, token, Outcome.UNKNOWN, error="Stopped following this update: it ran too long."):
                _after_finish(update.pk)
            return "gave-up"
        error = ""
        try:
            future = client.get_future(update.job_id, peek=False)
        except UpstreamNotFound:
            if _finish(update, token, Outcome.UNKNOWN, error=f"{UPSTREAM_NAME} no longer knows task {update.job_id}."):
                _after_finish(update.pk)
            return "unknown"
        except UpstreamError as exc:  # transient or garbage: keep polling, with backoff, and say so on the page
            log.warning("update %s: polling %s failed: %s", update.pk, update.job_id, exc)
            future, error = None, describe(exc)
        if future is not None and future.finished:
            outcome, reports, message = _outcome_of(future)
            if _finish(update, token, outcome, reports=reports, error=message,
                       percent=100 if outcome in (Outcome.SUCCESS, Outcome.WARNING) else future.percent):
                _after_finish(update.pk)
                return outcome
            return "lease-lost"
        values = {"lease_until": timezone.now() + lease, "last_polled_at": timezone.now(),
                  "poll_count": F("poll_count") + 1, "error_message": error}
        if future is not None:
            values.update(progress_percent=future.percent, progress_label=future.progress_label[:255])
        if not DeploymentUpdate.objects.filter(pk=update.pk, lease_owner=token, state=State.RUNNING).update(**values):
            return "lease-lost"
        sleep(delay)
        delay = min(delay * 2, settings.DEPLOYMENT_UPDATE_POLL_MAX_SECONDS)


def resumable_updates() -> list[int]:
    """Running updates nobody polls (lease expired or never taken); also closes records stuck before their POST."""
    now = timezone.now()
    stuck_before = now - timedelta(seconds=max(300, 5 * settings.DEPLOYMENT_UPDATE_LEASE_SECONDS))
    DeploymentUpdate.objects.filter(state=State.STARTING, started_at__lt=stuck_before).update(
        state=State.FINISHED, outcome=Outcome.UNKNOWN, finished_at=now,
        error_message="The portal stopped before the Deployer confirmed the update; check the deployment.",
    )
    return list(
        DeploymentUpdate.objects.filter(state=State.RUNNING)
        .exclude(job_id="")
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .values_list("pk", flat=True)
    )


# --- read-only Deployer pages -----------------------------------------------------------------------------------------


def running_tasks() -> list[tuple[Future, DeploymentUpdate | None]]:
    """Every running task (all users), with the portal update it belongs to, if any. Raises `UpstreamError`."""
    futures = get_client().list_futures(all_users=True, with_scenarios=False)
    updates = {u.job_id: u for u in DeploymentUpdate.objects.filter(job_id__in=[f.job_id for f in futures])}
    return [(f, updates.get(f.job_id)) for f in futures]


# --- API nodes --------------------------------------------------------------------------------------------------------


def request_sampling_if_cold(cache: NodeStatusCache, views: list[NodeView] | None = None) -> bool:
    """On a cold node cache, enqueue one sampling (the first viewer does; the others find it asked). True if
    enqueued."""
    if not cache.is_cold(views) or cache.sampling_running() or not cache.ask_sampling_once():
        return False
    from deployer_ui.tasks import sample_api_nodes as sample_task

    transaction.on_commit(lambda: sample_task.delay(on_demand=True))
    return True


@dataclass
class NodesOverview:
    nodes: list[NodeView]
    interval: int

    @property
    def loading(self) -> bool:
        return any(n.loading and not n.failed for n in self.nodes)

    @property
    def failed(self) -> list[NodeView]:
        return [n for n in self.nodes if n.failed]


def api_nodes() -> NodesOverview:
    """Every configured node's cached status (never a node call). A cold cache asks for one sampling."""
    cache = NodeStatusCache()
    views = cache.all_views()
    request_sampling_if_cold(cache, views)
    return NodesOverview(nodes=views, interval=cache.interval)


@dataclass
class NodeDetail:
    id: str
    name: str
    health: Any = None
    services: list = field(default_factory=list)
    keys: list = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def api_node_detail(node_id: str) -> NodeDetail:
    """Health, services (with endpoints) and auth keys (metadata only) of one node. Raises `UpstreamNotFound` for an
    unconfigured node; other failures are listed in `errors`."""
    conf = apinode_client.node_settings(node_id)
    client = apinode_client.get_client(node_id)
    detail = NodeDetail(id=node_id, name=conf["name"])
    try:
        detail.health = client.get_health()
    except UpstreamError as exc:
        detail.errors.append(describe(exc))
    try:
        summaries = client.list_services()
        detail.services = [client.get_service(s.service_id) for s in summaries]
        detail.keys = client.list_auth_keys()
    except UpstreamError as exc:
        detail.errors.append(describe(exc))
    return detail


def service_series(node_id: str, service_id: str, *, hours: int = 24, points: int = 120) -> dict[str, Any]:
    """Per-sample series of a service from the stored samples: requests and errors per interval, latency."""
    since = timezone.now() - timedelta(hours=hours)
    samples = list(
        ApiNodeSample.objects.filter(node_id=node_id, taken_at__gte=since, error="").order_by("-taken_at")[:points + 1]
    )[::-1]
    requests, errors, latency = [], [], []
    previous = None
    for sample in samples:
        current = (sample.services or {}).get(service_id)
        if current is None:
            previous = None
            continue
        latency.append(current.get("latency_ms"))
        if previous is not None:
            dr = _delta(previous.get("requests"), current.get("requests"))
            de = _delta(previous.get("errors"), current.get("errors"))
            requests.append(dr)
            errors.append(de)
        previous = current
    last = samples[-1].services.get(service_id) if samples else None
    return {
        "samples": len(samples),
        "requests_svg": sparkline(requests, label="Requests per sample interval"),
        "errors_svg": sparkline(errors, label="Errors per sample interval"),
        "latency_svg": sparkline(latency, label="Average latency (ms)"),
        "last": last,
        "last_at": samples[-1].taken_at if samples else None,
    }


def _delta(before, after):
    if not isinstance(before, int | float) or not isinstance(after, int | float) or after < before:
        return None  # a counter reset (node restart) is a gap, not a negative rate
    return after - before


SERVICE_ACTIONS = {
    "enable": "Enable",
    "disable": "Disable",
    "switch": "Switch to generation",
    "preload": "Preload generation",
}


def service_action(*, user, node_id: str, service_id: str, action: str, generation_id: str = "") -> None:
    """Enable/disable a service, or switch to / preload a generation. Audited; on success the node's cached snapshot
    is re-read at once. Raises `UpstreamError`."""
    client = apinode_client.get_client(node_id)
    calls = {
        "enable": lambda: client.enable_service(service_id),
        "disable": lambda: client.disable_service(service_id),
        "switch": lambda: client.switch_generation(service_id, generation_id),
        "preload": lambda: client.preload_generation(service_id, generation_id),
    }
    audit = {"action": f"api_service.{action}", "target_type": "api_service",
             "target_id": f"{node_id}/{service_id}", "input": {"generation_id": generation_id} if generation_id else {}}
    try:
        calls[action]()
    except UpstreamError as exc:
        record(actor=user, outcome="failed", upstream_status=exc.status, detail=describe(exc), **audit)
        raise
    record(actor=user, outcome="success", **audit)
    # The operator (and every wall screen) should see the new state now, not at the next sampling: one node, cheap.
    refresh_node(node_id)


def sample_api_nodes(*, on_demand: bool = False) -> int:
    """One sampling of every node: a `/health` + `/metrics` row per node in the database (an error row when
    unreachable) and a health + services + metrics snapshot per node in the node cache. Returns the number of nodes
    sampled (0 when skipped: another sampling runs, or an on-demand one found the cache warm)."""
    return sample_all(on_demand=on_demand)


def prune_api_node_samples() -> int:
    cutoff = timezone.now() - timedelta(days=settings.API_NODE_SAMPLE_RETENTION_DAYS)
    deleted, _ = ApiNodeSample.objects.filter(taken_at__lt=cutoff).delete()
    return deleted
