"""Delivery by a real Celery worker process through the real Redis broker."""

from __future__ import annotations

import time
import uuid

import pytest

from govern_ui.client import get_client
from govern_ui.models import ReviewAction
from govern_ui.tasks import deliver_pending_actions
from tests.govern_ui.helpers import PARALLEL, confirm, find_step, open_form, race, reviews_by, signed_in


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


@pytest.mark.worker
def test_worker_sends_a_waiting_review_with_the_reviewers_own_key(celery_worker_factory, sandbox, faults, reviewer,
                                                                   login, settings, monkeypatch):
    # Reviews go as each reviewer, in this process and in the worker's.
    settings.GOVERN_REVIEW_AS = "user"
    monkeypatch.setenv("GOVERN_REVIEW_AS", "user")
    celery_worker_factory()
    art, step = find_step(sandbox.summary(), "NOT_STARTED", required=1)
    client = login(reviewer)
    assert client.post("/profile/", {"api_key": "govern-key-alice", "save": "1"}).status_code == 302
    key = open_form(client, art, step, "approve")
    faults(target="govern", down=True)
    confirm(client, art, step, "approve", key, comment="sent as me")
    action = ReviewAction.objects.get()
    assert action.state == "pending"
    sandbox.knobs(target="govern", down=False)
    ReviewAction.objects.filter(pk=action.pk).update(next_attempt_at=None)
    deliver_pending_actions.delay()
    wait_for_state(action, "delivered")
    review = get_client().get_sign_off(art, step).reviews[-1]
    assert (review.reviewer, review.comment) == ("alice", "sent as me") and action.sent_as == "alice"


@pytest.mark.worker
def test_parallel_confirmations_during_an_outage_reach_govern_once_through_the_worker(
    celery_worker, sandbox, faults, reviewer
):
    art, step = find_step(sandbox.summary(), "NOT_STARTED", required=2)
    clients = signed_in(reviewer, PARALLEL)
    faults(target="govern", down=True)

    def confirm_in_a_tab(i):
        body = {"kind": "approve", "artifact_id": art, "step_id": step, "idempotency_key": uuid.uuid4().hex}
        if i % 2:
            return clients[i].post("/api/governance/actions/", body, content_type="application/json")
        return confirm(clients[i], art, step, "approve", body["idempotency_key"], comment="during the outage")

    responses = race(PARALLEL, confirm_in_a_tab)
    assert sorted(r.status_code for r in responses if r.status_code != 409) in ([201], [302])
    action = ReviewAction.objects.get()
    assert action.state == "pending"
    sandbox.knobs(target="govern", down=False)
    ReviewAction.objects.filter(pk=action.pk).update(next_attempt_at=None)
    deliver_pending_actions.delay()
    wait_for_state(action, "delivered")
    assert len(reviews_by(art, step, "alice")) == 1
    assert get_client().get_sign_off(art, step).status == "IN_PROGRESS"
