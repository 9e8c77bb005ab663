"""Deployment updates: the deployment page, starting, aborting and following an update to its end, running tasks.

An update's row is written before the Deployer is asked, and a worker follows its future under a lease (the state
machine and the lease are `DeploymentUpdate`'s, in `models.py`). Every action is audited.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from deployer_ui import enqueue
from deployer_ui.client import UPSTREAM_NAME, Deployment, DeploymentSettings, Future, get_client
from deployer_ui.models import DeploymentUpdate
from deployer_ui.refresh import refresh_one
from deployer_ui.status_cache import StatusCache, StatusView
from portal.audit.service import record
from portal.lib.errors import Refused
from portal.lib.upstream import UpstreamBadResponse, UpstreamError, UpstreamNotFound
from portal.lib.web import upstream_error_text

log = logging.getLogger(__name__)

Outcome = DeploymentUpdate.Outcome


def _text(exc: UpstreamError) -> str:
    return upstream_error_text(exc, UPSTREAM_NAME)


# --- the deployment page ----------------------------------------------------------------------------------------------


@dataclass
class DeploymentDetail:
    id: str
    status: StatusView | None
    deployment: Deployment | None = None
    settings: DeploymentSettings | None = None
    updates: list[DeploymentUpdate] = field(default_factory=list)
    upstream_error: str = ""
    active_update: DeploymentUpdate | None = None


def deployment_detail(deployment_id: str) -> DeploymentDetail:
    """The cached status plus live deployment info, settings and bundles (best effort: a Deployer failure is kept in
    `upstream_error` while the cache knows the deployment). Raises `UpstreamNotFound` when neither the cache nor the
    Deployer knows the id, and `UpstreamError` when the Deployer fails and the cache has nothing to show."""
    cache = StatusCache()
    status = cache.view(deployment_id)
    if status is None:
        enqueue.refresh_statuses_if_cold(cache)
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
        detail.upstream_error = _text(exc)
    detail.updates = list(DeploymentUpdate.objects.filter(deployment_id=deployment_id)[:50])
    detail.active_update = next((u for u in detail.updates if u.state in DeploymentUpdate.ACTIVE_STATES), None)
    return detail


def get_deployment(deployment_id: str) -> Deployment:
    """The live deployment an action page is about. Raises `UpstreamNotFound` for an unknown id, `UpstreamError`."""
    return get_client().get_deployment(deployment_id)


def bundle_choices(deployment: Deployment) -> list[str]:
    """The bundles this deployment may be switched to: its published project's, without repeats."""
    ids = [p.id for p in deployment.packages] or list(deployment.bundle_ids)
    return list(dict.fromkeys(ids))


# --- starting and aborting ----------------------------------------------------------------------------------------


def start_update(*, user, deployment_id: str, bundle_id: str = "") -> DeploymentUpdate:
    """Start an asynchronous update (after saving `bundle_id` in the settings when given); returns the record.

    The record is written before the Deployer is asked, then the poller is enqueued on commit. Raises `Refused` (an
    update of this deployment is already running; unknown bundle) or `UpstreamError` (after recording and auditing
    the failure).
    """
    client = get_client()
    deployment = client.get_deployment(deployment_id)
    if bundle_id and bundle_id not in bundle_choices(deployment):
        raise Refused(f"Bundle {bundle_id} is not a bundle of project {deployment.published_project_key}.")
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
        raise Refused(f"An update of {deployment_id} is already running.") from None
    action = "deployment.deploy_bundle" if bundle_id else "deployment.update"
    audit_input = {"bundle_id": bundle_id, "previous_bundle_id": deployment.bundle_id} if bundle_id else {}
    try:
        if bundle_id:
            current = client.get_deployment_settings(deployment_id)
            client.save_deployment_settings(deployment_id, current.with_bundle(bundle_id))
        future = client.update_deployment(deployment_id, synchronous=False)
    except UpstreamError as exc:
        update.finish(Outcome.ERROR, error=_text(exc))
        record(actor=user, action=action, target_type="deployment", target_id=deployment_id, outcome="failed",
               input=audit_input, upstream_status=exc.status, detail=_text(exc))
        raise
    update.mark_running(job_id=future.job_id, percent=future.percent, label=future.progress_label)
    record(actor=user, action=action, target_type="deployment", target_id=deployment_id, outcome="started",
           input={**audit_input, "job_id": future.job_id, "update_id": update.pk})
    enqueue.poll_update(update.pk)
    return update


def abort_update(*, user, update: DeploymentUpdate) -> None:
    """Ask the Deployer to abort an update's future; the poller records the aborted end. Raises `Refused` (already
    finished, or not started) or `UpstreamError` (audited)."""
    if update.finished or not update.job_id:
        raise Refused("This update has already ended." if update.finished else "This update has not started.")
    audit = {"action": "deployment.update.abort", "target_type": "deployment", "target_id": update.deployment_id,
             "input": {"job_id": update.job_id, "update_id": update.pk}}
    try:
        get_client().abort_future(update.job_id)
    except UpstreamError as exc:
        record(actor=user, outcome="failed", upstream_status=exc.status, detail=_text(exc), **audit)
        raise
    update.request_abort(user.get_username())
    record(actor=user, outcome="requested", **audit)


# --- following an update to its end -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FutureOutcome:
    outcome: str
    reports: list[dict] = field(default_factory=list)
    error: str = ""


def future_outcome(future: Future) -> FutureOutcome:
    """How a finished future ended: the update's outcome (success, warning or error from its reports; aborted;
    unknown when there is no usable result), its reports as JSON, and what went wrong when it is unknown."""
    if future.has_result:
        try:
            result = future.update_result()
        except UpstreamBadResponse as exc:
            return FutureOutcome(Outcome.UNKNOWN, error=_text(exc))
        if result is None:
            return FutureOutcome(Outcome.UNKNOWN, error="The Deployer reported a result without reports.")
        return FutureOutcome(result.outcome, [r.to_json() for r in result.reports])
    if future.aborted:
        return FutureOutcome(Outcome.ABORTED)
    return FutureOutcome(Outcome.UNKNOWN, error="The task ended without a result.")


def _after_update_ended(update_id: int) -> None:
    """Audit the end (once: only the poller whose `finish` matched gets here) and re-read the deployment's status."""
    update = DeploymentUpdate.objects.get(pk=update_id)
    record(actor=None, action="deployment.update.finish", target_type="deployment", target_id=update.deployment_id,
           outcome=update.outcome, input={"job_id": update.job_id, "update_id": update.pk},
           detail=update.error_message)
    # The operator watching wants the tile to show the result now, not at the next beat.
    refresh_one(update.deployment_id)


def poll_update(update_id: int, *, sleep: Callable[[float], None] = time.sleep) -> str:
    """Poll an update's future until it ends, storing progress and the result. Returns what happened: the outcome,
    "not-claimed" (another poller holds a live lease), "lease-lost", "gave-up" or "unknown" (the future is gone).

    1. Claim the lease (`DeploymentUpdate.claim`); give up at once if another poller holds it.
    2. Read the future; a failed read is shown on the page and retried with backoff.
    3. Renew the lease with the progress after each read; stop when the renewal finds the lease lost.
    4. Finish the update when the future ends (or is gone, or ran past DEPLOYMENT_UPDATE_GIVE_UP_SECONDS).
    """
    update = DeploymentUpdate.objects.filter(pk=update_id).first()
    lease = timedelta(seconds=settings.DEPLOYMENT_UPDATE_LEASE_SECONDS)
    token = update.claim(lease) if update is not None else None
    if token is None:
        return "not-claimed"
    client = get_client()
    delay = settings.DEPLOYMENT_UPDATE_POLL_MIN_SECONDS
    give_up = timedelta(seconds=settings.DEPLOYMENT_UPDATE_GIVE_UP_SECONDS)
    while True:
        if timezone.now() - update.started_at > give_up:
            if update.finish(Outcome.UNKNOWN, token=token, error="Stopped following this update: it ran too long."):
                _after_update_ended(update.pk)
            return "gave-up"
        error = ""
        try:
            future = client.get_future(update.job_id, peek=False)
        except UpstreamNotFound:
            if update.finish(Outcome.UNKNOWN, token=token,
                             error=f"{UPSTREAM_NAME} no longer knows task {update.job_id}."):
                _after_update_ended(update.pk)
            return "unknown"
        except UpstreamError as exc:  # transient or garbage: keep polling, with backoff, and say so on the page
            log.warning("update %s: polling %s failed: %s", update.pk, update.job_id, exc)
            future, error = None, _text(exc)
        if future is not None and future.finished:
            ended = future_outcome(future)
            percent = 100 if ended.outcome in (Outcome.SUCCESS, Outcome.WARNING) else future.percent
            if update.finish(ended.outcome, token=token, reports=ended.reports, error=ended.error, percent=percent):
                _after_update_ended(update.pk)
                return ended.outcome
            return "lease-lost"
        progress = {"percent": future.percent, "label": future.progress_label} if future is not None else {}
        if not update.renew(token, lease, error=error, **progress):
            return "lease-lost"
        sleep(delay)
        delay = min(delay * 2, settings.DEPLOYMENT_UPDATE_POLL_MAX_SECONDS)


def resumable_updates() -> list[int]:
    """The ids of running updates nobody polls (their lease expired or was never taken), for the resume sweep; also
    closes records stuck before their POST."""
    now = timezone.now()
    DeploymentUpdate.objects.close_stuck_starting(
        now - timedelta(seconds=max(300, 5 * settings.DEPLOYMENT_UPDATE_LEASE_SECONDS))
    )
    return list(DeploymentUpdate.objects.orphaned(now).values_list("pk", flat=True))


# --- running tasks ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunningTask:
    future: Future
    update: DeploymentUpdate | None  # the portal update it belongs to, if any


def running_tasks() -> list[RunningTask]:
    """Every running task (all users), with the portal update it belongs to, if any. Raises `UpstreamError`."""
    futures = get_client().list_futures(all_users=True, with_scenarios=False)
    updates = {u.job_id: u for u in DeploymentUpdate.objects.filter(job_id__in=[f.job_id for f in futures])}
    return [RunningTask(f, updates.get(f.job_id)) for f in futures]


def get_task(job_id: str) -> Future:
    """One task, without consuming its result. Raises `UpstreamNotFound` for an unknown job, `UpstreamError`."""
    return get_client().get_future(job_id, peek=True)


def abort_task(*, user, job_id: str) -> None:
    """Abort any running task (the Running tasks page, admins). Raises `UpstreamError` (audited)."""
    try:
        get_client().abort_future(job_id)
    except UpstreamError as exc:
        record(actor=user, action="task.abort", target_type="future", target_id=job_id, outcome="failed",
               upstream_status=exc.status, detail=_text(exc))
        raise
    DeploymentUpdate.objects.filter(job_id=job_id).request_abort(user.get_username())
    record(actor=user, action="task.abort", target_type="future", target_id=job_id, outcome="requested")
