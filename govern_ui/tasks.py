"""Celery tasks of the reviewers' workspace: thin, they take ids and call the subject modules. Beat schedules them
(portal/celery.py) and `govern_ui.enqueue` sends them, both by name (portal.tasknames); nothing imports this module
but Celery."""

from __future__ import annotations

import logging

from celery import shared_task

from govern_ui import bundle_governance, delivery, index
from portal import tasknames
from portal.lib.upstream import UpstreamError

log = logging.getLogger(__name__)


@shared_task(name=tasknames.DELIVER_PENDING_ACTIONS, ignore_result=True)
def deliver_pending_actions(limit: int = delivery.SWEEP_BATCH) -> dict[str, int]:
    """The sweeper: deliver every pending review action whose backoff has passed. Each action is claimed with a
    conditional UPDATE, so overlapping sweeps (or the request's own attempt) never send one twice."""
    counts = delivery.deliver_due(limit)
    if counts:
        log.info("review actions swept: %s", counts)
    return counts


@shared_task(name=tasknames.DELIVER_ACTION, ignore_result=True)
def deliver_action(action_id: int) -> str:
    """Deliver one action now; failures are left to the sweeper's backoff."""
    return delivery.deliver_action(action_id)


@shared_task(name=tasknames.REFRESH_SIGNOFF_INDEX, ignore_result=True)
def refresh_signoff_index() -> int | None:
    """Rebuild the sign-off index (my queue, badges). Skips when another rebuild holds the lock; when Govern cannot
    list artifacts the previous index stays and the next beat tries again."""
    try:
        snapshot = index.rebuild()
    except UpstreamError as exc:
        log.warning("sign-off index not rebuilt: %s", exc)
        return None
    return None if snapshot is None else snapshot.open_step_count()


@shared_task(name=tasknames.REFRESH_BUNDLE_GOVERNANCE, ignore_result=True)
def refresh_bundle_governance(on_demand: bool = False) -> int | None:
    """Beat (every GOVERN_BUNDLE_REFRESH_SECONDS) and a wall that found the snapshot cold: the sign-off state of every
    governed bundle, within its Govern request budget. Never retried: failures are stored in the snapshot for the
    wall to show, and the next beat is the retry. Returns the number of governed bundles (None when skipped)."""
    snapshot = bundle_governance.refresh(on_demand=on_demand)
    return None if snapshot is None else len(snapshot.bundles)
