"""Retry, roll back and redeploy: which bundle each would deploy, the history rows that offer them, and starting one.

A follow-up is an ordinary update (`updates.start_update`: the record first, then the settings saved with the bundle
when it changes, then the update, followed live by a worker) that names the update it follows up (`origin`):
- Retry: on a failed or aborted update, the same bundle again.
- Roll back to vN: on a failed or aborted update, the bundle that ran before it.
- Redeploy vN: from the deployment's history, the bundle of an earlier successful update (as Argo CD's history and
  rollback).
Each is confirmed on a page that reads the deployment as it is now, and is refused with a clear message (nothing
changed) when its bundle no longer exists or an update of the deployment is already running.
"""

from __future__ import annotations

from dataclasses import dataclass

from deployer_ui import updates
from deployer_ui.client import Deployment
from deployer_ui.models import DeploymentUpdate
from portal.lib.errors import Refused

Kind = DeploymentUpdate.Kind
KINDS = (Kind.RETRY, Kind.ROLLBACK, Kind.REDEPLOY)


def rollback_bundle(update: DeploymentUpdate) -> str:
    """The bundle that ran before `update`, '' when none is known.

    Its own bundle before, when it changed the bundle; else (a retry, or a plain update) the bundle before the update
    it retried, and so on; else the bundle of the last successful update of the deployment before it that deployed
    another bundle."""
    seen: set[int] = set()
    current: DeploymentUpdate | None = update
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        if current.changed_bundle and current.previous_bundle_id:
            return current.previous_bundle_id
        current = current.origin if current.kind == Kind.RETRY else None
    earlier = (DeploymentUpdate.objects.succeeded().filter(deployment_id=update.deployment_id, pk__lt=update.pk)
               .exclude(bundle_id__in=["", update.bundle_id]).order_by("-pk").first())
    return earlier.bundle_id if earlier else ""


def purpose(update: DeploymentUpdate, kind: str) -> str:
    """What a one-time confirmation of the follow-up `kind` of `update` is bound to."""
    return f"deployment.{kind}:{update.pk}"


@dataclass(frozen=True)
class FollowUp:
    """One follow-up that may be started from `origin`, in the words of its button and confirmation page."""

    kind: str
    origin: DeploymentUpdate
    bundle_id: str

    @property
    def deployment_id(self) -> str:
        return self.origin.deployment_id

    @property
    def purpose(self) -> str:
        return purpose(self.origin, self.kind)

    @property
    def button(self) -> str:
        if self.kind == Kind.RETRY:
            return "Retry"
        if self.kind == Kind.ROLLBACK:
            return f"Roll back to {self.bundle_id}"
        return f"Redeploy {self.bundle_id}"

    @property
    def title(self) -> str:
        if self.kind == Kind.RETRY:
            return f"Retry update #{self.origin.pk} of {self.deployment_id} with bundle {self.bundle_id}"
        if self.kind == Kind.ROLLBACK:
            return f"Roll {self.deployment_id} back to bundle {self.bundle_id}"
        return f"Redeploy bundle {self.bundle_id} to {self.deployment_id}"


def plan(update: DeploymentUpdate, kind: str) -> FollowUp:
    """The follow-up `kind` of `update`, from the portal's records only (no Deployer call). Raises `Refused` when it
    is not offered: retry and roll back only on a failed or aborted update, roll back only when an earlier bundle is
    known, redeploy only from a successful update."""
    if kind not in KINDS:
        raise Refused("Unknown action.")
    if kind == Kind.REDEPLOY:
        if not update.succeeded or not update.bundle_id:
            raise Refused(f"Update #{update.pk} did not succeed: only a bundle that ran can be redeployed.")
        return FollowUp(kind, update, update.bundle_id)
    if not update.failed:
        raise Refused(f"Update #{update.pk} did not fail: retry and roll back are offered on a failed or aborted "
                      "update only.")
    if kind == Kind.RETRY:
        return FollowUp(kind, update, update.bundle_id)
    target = rollback_bundle(update)
    if not target or target == update.bundle_id:
        raise Refused(f"No bundle ran on {update.deployment_id} before {update.bundle_id or 'this update'}: there "
                      "is nothing to roll back to.")
    return FollowUp(kind, update, target)


def offers(update: DeploymentUpdate) -> list[FollowUp]:
    """What the page of a failed or aborted update offers: Retry, and Roll back to vN when an earlier bundle is
    known. [] for any other update."""
    found = []
    for kind in (Kind.RETRY, Kind.ROLLBACK):
        try:
            found.append(plan(update, kind))
        except Refused:
            continue
    return found


@dataclass(frozen=True)
class UpdatePage:
    """An update's page: what it offers (on a failed or aborted update that nothing followed yet) and the updates
    started from it or after it."""

    update: DeploymentUpdate
    offers: list[FollowUp]
    followed_by: list[DeploymentUpdate]
    next_update: DeploymentUpdate | None  # the deployment's next update, whoever started it


def update_page(update: DeploymentUpdate) -> UpdatePage:
    """The follow-ups of `update` and what came after it, from the portal's records only."""
    later = (DeploymentUpdate.objects.filter(deployment_id=update.deployment_id, pk__gt=update.pk)
             .order_by("pk").first())
    return UpdatePage(update=update, offers=offers(update) if later is None else [],
                      followed_by=list(update.followups.order_by("pk")), next_update=later)


@dataclass(frozen=True)
class Confirmation:
    """A follow-up with the deployment as the Deployer has it now: what its confirmation page says."""

    follow_up: FollowUp
    deployment: Deployment

    @property
    def changes_bundle(self) -> bool:
        return self.follow_up.bundle_id != self.deployment.bundle_id

    @property
    def effects(self) -> list[str]:
        bundle, dep = self.follow_up.bundle_id, self.deployment
        steps = []
        if self.changes_bundle:
            steps.append(f"The settings of {dep.id} are saved with bundle {bundle} (now {dep.bundle_id or '—'}).")
        steps.append(f"The Deployer updates {dep.id} on {dep.infra_id} with bundle {bundle}; this page follows it "
                     "live.")
        steps.append("The action is audited in your name.")
        return steps


def confirm(update: DeploymentUpdate, kind: str) -> Confirmation:
    """The confirmation of a follow-up, read against the deployment now. Raises `Refused` (not offered; its bundle no
    longer exists; an update is already running), `UpstreamNotFound` (the deployment is gone) or `UpstreamError`."""
    follow_up = plan(update, kind)
    if DeploymentUpdate.objects.active().filter(deployment_id=update.deployment_id).exists():
        raise updates.already_running(update.deployment_id)
    deployment = updates.get_deployment(update.deployment_id)
    if follow_up.bundle_id and follow_up.bundle_id not in updates.bundle_choices(deployment):
        raise updates.missing_bundle(deployment, follow_up.bundle_id)
    return Confirmation(follow_up, deployment)


def start(*, user, update: DeploymentUpdate, kind: str) -> DeploymentUpdate:
    """Start the follow-up `kind` of `update`; returns the new update. Raises `Refused` (not offered; the bundle no
    longer exists; an update is already running: the database's one-active-update constraint decides a race) or
    `UpstreamError` (recorded and audited by `updates.start_update`)."""
    follow_up = plan(update, kind)
    return updates.start_update(user=user, deployment_id=update.deployment_id, bundle_id=follow_up.bundle_id,
                                kind=kind, origin=update)


# --- the deployment's history -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    update: DeploymentUpdate
    redeploy: FollowUp | None = None  # offered on the latest successful update of each bundle but the current one
    bundle_gone: bool = False  # its bundle is no longer one of the project's (known only from a live read)
    current: bool = False  # the newest successful update, and its bundle is the one the settings name now


def history(deployment_id: str, *, current_bundle: str, bundles: list[str] | None = None,
            limit: int = 50) -> list[HistoryRow]:
    """The updates of a deployment, newest first, each with what it deployed and whether its bundle may be
    redeployed. `bundles`: the project's bundles now, when a live read gave them (None: not known, so every earlier
    bundle is offered and the confirmation page checks it)."""
    rows = []
    offered: set[str] = set()
    newest_success = True
    records = DeploymentUpdate.objects.filter(deployment_id=deployment_id).select_related("requester")[:limit]
    for update in records:
        gone = bundles is not None and bool(update.bundle_id) and update.bundle_id not in bundles
        redeploy, current = None, False
        if update.succeeded and update.bundle_id:
            current, newest_success = newest_success and update.bundle_id == current_bundle, False
            if update.bundle_id not in offered and update.bundle_id != current_bundle and not gone:
                redeploy = FollowUp(Kind.REDEPLOY, update, update.bundle_id)
            offered.add(update.bundle_id)
        rows.append(HistoryRow(update, redeploy, gone, current))
    return rows
