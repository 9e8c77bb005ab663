"""Deployment updates: starting, aborting and following an update to its end, and the running tasks.

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
from deployer_ui.client import UPSTREAM_NAME, Deployment, Future, get_client
from deployer_ui.models import DeploymentUpdate
from deployer_ui.refresh import refresh_one
from portal.audit.service import record
from portal.lib.errors import Refused
from portal.lib.upstream import UpstreamBadResponse, UpstreamError, UpstreamNotFound
from portal.lib.web import upstream_error_text

log = logging.getLogger(__name__)

Outcome = DeploymentUpdate.Outcome
Kind = DeploymentUpdate.Kind


def upstream_text(exc: UpstreamError) -> str:
    """An upstream failure in the one wording of the banner, naming the Deployer."""
    return upstream_error_text(exc, UPSTREAM_NAME)


# --- the deployment and its bundles -----------------------------------------------------------------------------


def get_deployment(deployment_id: str) -> Deployment:
    """The live deployment an action page is about. Raises `UpstreamNotFound` for an unknown id, `UpstreamError`."""
    return get_client().get_deployment(deployment_id)


def bundle_choices(deployment: Deployment) -> list[str]:
    """The bundles this deployment may be switched to: its published project's, without repeats."""
    ids = [p.id for p in deployment.packages] or list(deployment.bundle_ids)
    return list(dict.fromkeys(ids))


# --- starting and aborting ----------------------------------------------------------------------------------------


AUDIT_ACTIONS = {
    Kind.UPDATE: "deployment.update",
    Kind.DEPLOY_BUNDLE: "deployment.deploy_bundle",
    Kind.RETRY: "deployment.retry",
    Kind.ROLLBACK: "deployment.rollback",
    Kind.REDEPLOY: "deployment.redeploy",
}


def missing_bundle(deployment: Deployment, bundle_id: str, *, known: bool = True) -> Refused:
    """The refusal of a bundle that is not the project's: one that ran here before (`known`) was deleted since."""
    if not known:
        return Refused(f"Bundle {bundle_id} is not a bundle of project {deployment.published_project_key}.")
    return Refused(f"Bundle {bundle_id} no longer exists in project {deployment.published_project_key} (it was "
                   "deleted from the Deployer): nothing was changed.")


def already_running(deployment_id: str) -> Refused:
    running = DeploymentUpdate.objects.active().filter(deployment_id=deployment_id).first()
    which = f" (#{running.pk})" if running else ""
    return Refused(f"An update of {deployment_id} is already running{which}: nothing was changed. Follow it, and "
                   "retry once it has ended.")


def audit_input(update: DeploymentUpdate) -> dict:
    """What every audit event of an update names: its kind, both bundles, and the update it follows up."""
    data = {"update_id": update.pk, "kind": update.kind, "bundle_id": update.bundle_id,
            "previous_bundle_id": update.previous_bundle_id}
    if update.origin_id:
        data["origin_update_id"] = update.origin_id
    if update.job_id:
        data["job_id"] = update.job_id
    return data


def start_update(*, user, deployment_id: str, bundle_id: str = "", kind: str = "",
                 origin: DeploymentUpdate | None = None) -> DeploymentUpdate:
    """Start an asynchronous update to `bundle_id` (default: the bundle the settings name now); returns the record.
    `kind` defaults to "deploy another bundle" when a bundle is given, else a plain update; a follow-up (retry, roll
    back, redeploy) names its `origin`.

    The bundles before and after are resolved from the Deployer now and kept on the record, which is written before
    anything changes upstream: the settings are then saved with the new bundle (when it differs), the update is
    asked for, and the poller is enqueued on commit. Raises `Refused` (the bundle is not, or no longer, one of the
    project's; an update of this deployment is already running, which the database enforces) or `UpstreamError`
    (after recording and auditing the failure).
    """
    client = get_client()
    deployment = client.get_deployment(deployment_id)
    if bundle_id and bundle_id not in bundle_choices(deployment):
        raise missing_bundle(deployment, bundle_id, known=origin is not None)
    try:
        with transaction.atomic():
            update = DeploymentUpdate.objects.create(
                deployment_id=deployment.id,
                project_key=deployment.published_project_key,
                requester=user,
                requester_username=user.get_username(),
                kind=kind or (Kind.DEPLOY_BUNDLE if bundle_id else Kind.UPDATE),
                origin=origin,
                bundle_id=bundle_id or deployment.bundle_id,
                previous_bundle_id=deployment.bundle_id,
            )
    except IntegrityError:  # the one-active-update-per-deployment constraint: another start won the race
        raise already_running(deployment.id) from None
    action = AUDIT_ACTIONS.get(update.kind, "deployment.update")
    try:
        if update.changed_bundle:
            current = client.get_deployment_settings(deployment_id)
            client.save_deployment_settings(deployment_id, current.with_bundle(update.bundle_id))
        future = client.update_deployment(deployment_id, synchronous=False)
    except UpstreamError as exc:
        update.finish(Outcome.ERROR, error=upstream_text(exc))
        record(actor=user, action=action, target_type="deployment", target_id=deployment_id, outcome="failed",
               input=audit_input(update), upstream_status=exc.status, detail=upstream_text(exc))
        raise
    update.mark_running(job_id=future.job_id, percent=future.percent, label=future.progress_label)
    record(actor=user, action=action, target_type="deployment", target_id=deployment_id, outcome="started",
           input=audit_input(update))
    enqueue.poll_update(update.pk)
    return update


def abort_update(*, user, update: DeploymentUpdate) -> None:
    """Ask the Deployer to abort an update's future; the poller records the aborted end. Raises `Refused` (already
    finished, or not started) or `UpstreamError` (audited)."""
    if update.finished or not update.job_id:
        raise Refused("This update has already ended." if update.finished else "This update has not started.")
    audit = {"action": "deployment.update.abort", "target_type": "deployment", "target_id": update.deployment_id,
             "input": audit_input(update)}
    try:
        get_client().abort_future(update.job_id)
    except UpstreamError as exc:
        record(actor=user, outcome="failed", upstream_status=exc.status, detail=upstream_text(exc), **audit)
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
            return FutureOutcome(Outcome.UNKNOWN, error=upstream_text(exc))
        if result is None:
            return FutureOutcome(Outcome.UNKNOWN, error="The Deployer reported a result without reports.")
        return FutureOutcome(result.outcome, [r.to_json() for r in result.reports])
    if future.aborted:
        return FutureOutcome(Outcome.ABORTED)
    return FutureOutcome(Outcome.UNKNOWN, error="The task ended without a result.")


def _end(update: DeploymentUpdate, outcome: str, *, token: str, **values) -> bool:
    """Finish the update and audit its end in one transaction (only the poller whose `finish` matched gets there, so
    the end is audited once, and nobody reads a finished update without its event); then re-read the deployment's
    status. True if this call ended it."""
    with transaction.atomic():
        if not update.finish(outcome, token=token, **values):
            return False
        update = DeploymentUpdate.objects.get(pk=update.pk)
        record(actor=None, action="deployment.update.finish", target_type="deployment",
               target_id=update.deployment_id, outcome=update.outcome, input=audit_input(update),
               detail=update.error_message)
    # The operator watching wants the tile to show the result now, not at the next beat.
    refresh_one(update.deployment_id)
    return True


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
            _end(update, Outcome.UNKNOWN, token=token, error="Stopped following this update: it ran too long.")
            return "gave-up"
        error = ""
        try:
            future = client.get_future(update.job_id, peek=False)
        except UpstreamNotFound:
            _end(update, Outcome.UNKNOWN, token=token, error=f"{UPSTREAM_NAME} no longer knows task {update.job_id}.")
            return "unknown"
        except UpstreamError as exc:  # transient or garbage: keep polling, with backoff, and say so on the page
            log.warning("update %s: polling %s failed: %s", update.pk, update.job_id, exc)
            future, error = None, upstream_text(exc)
        if future is not None and future.finished:
            ended = future_outcome(future)
            percent = 100 if ended.outcome in (Outcome.SUCCESS, Outcome.WARNING) else future.percent
            if _end(update, ended.outcome, token=token, reports=ended.reports, error=ended.error, percent=percent):
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
    update: DeploymentUpdate | None  # the portal update it belongs to, if any: its person is the owner to show

    @property
    def owner(self) -> str:
        """Who started it: the portal person when the portal did (the Deployer only knows the service account)."""
        return self.update.started_by if self.update is not None else self.future.owner


def running_tasks() -> list[RunningTask]:
    """Every running task (all users), with the portal update it belongs to, if any. Raises `UpstreamError`."""
    futures = get_client().list_futures(all_users=True, with_scenarios=False)
    rows = DeploymentUpdate.objects.filter(job_id__in=[f.job_id for f in futures]).select_related("requester")
    updates = {u.job_id: u for u in rows}
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
               upstream_status=exc.status, detail=upstream_text(exc))
        raise
    DeploymentUpdate.objects.filter(job_id=job_id).request_abort(user.get_username())
    record(actor=user, action="task.abort", target_type="future", target_id=job_id, outcome="requested")
