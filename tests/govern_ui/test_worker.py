"""Delivery by a real Celery worker process through the real Redis broker."""

from __future__ import annotations

import time

import pytest

from govern_ui.client import get_client
from govern_ui.models import ReviewAction
from govern_ui.tasks import deliver_pending_actions
from tests.govern_ui.helpers import confirm, find_step, open_form


def wait_for_state(action, state, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        action.refresh_from_db()
        if action.state == state:
            return action
        time.sleep(0.2)
    raise AssertionError(f"action stayed {action.state} (last error: {action.last_error})")


@pytest.mark.worker
def test_worker_delivers_an_action_left_pending_by_an_outage(celery_worker, sandbox, faults, reviewer, login):
    art, step = find_step(sandbox.summary(), "NOT_STARTED", required=1)
    client = login(reviewer)
    key = open_form(client, art, step, "approve")
    faults(target="govern", down=True)
    confirm(client, art, step, "approve", key, comment="queued during the outage")
    action = ReviewAction.objects.get()
    assert action.state == "pending"
    sandbox.knobs(target="govern", down=False)
    # Make it due now instead of after the backoff, then let the beat's sweeper task run on the worker.
    ReviewAction.objects.filter(pk=action.pk).update(next_attempt_at=None)
    deliver_pending_actions.delay()
    wait_for_state(action, "delivered")
    comments = [r.comment for r in get_client().get_sign_off(art, step).reviews]
    assert comments.count("[via portal: alice] queued during the outage") == 1
