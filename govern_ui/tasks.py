"""Celery tasks of the reviewers' workspace: thin, they take ids and call the subject modules. Beat schedules them
(portal/celery.py) and `govern_ui.enqueue` sends them, both by name (portal.tasknames); nothing imports this module
but Celery."""

from __future__ import annotations

import logging

from celery import shared_task

from govern_ui import bundle_governance, delivery
from govern_ui.mirror import sweep
from portal import tasknames

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


@shared_task(name=tasknames.SYNC_GOVERN_MIRROR, ignore_result=True)
def sync_govern_mirror() -> dict | None:
    """Beat, every GOVERN_SYNC_TICK_SECONDS: one bounded slice of the Govern mirror's reader (at most one tick long,
    within GOVERN_SYNC_MAX_RPS across every worker). Returns what it did, or None when another sweep runs. Never
    retried: the next tick is the retry, and an outage is noted in the mirror's state."""
    result = sweep.sweep()
    if result is None:
        return None
    return {"calls": result.calls, "visited": result.visited, "changes": result.changes, "due": result.due_left,
            "error": result.error}


@shared_task(name=tasknames.REFRESH_BUNDLE_GOVERNANCE, ignore_result=True)
def refresh_bundle_governance(on_demand: bool = False) -> int | None:
    """Beat (every GOVERN_BUNDLE_REFRESH_SECONDS) and a wall that found the snapshot cold: the sign-off state of every
    governed bundle, within its Govern request budget. Never retried: failures are stored in the snapshot for the
    wall to show, and the next beat is the retry. Returns the number of governed bundles (None when skipped)."""
    snapshot = bundle_governance.refresh(on_demand=on_demand)
    return None if snapshot is None else len(snapshot.bundles)
