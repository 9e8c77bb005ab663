"""The `DeploymentUpdate` state machine and its lease, on the database, without the sandbox: who may poll an update,
when an update is orphaned, and that its end is recorded once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from deployer_ui.models import STUCK_STARTING_MESSAGE, DeploymentUpdate

pytestmark = [pytest.mark.unit, pytest.mark.django_db]

LEASE = timedelta(seconds=30)
State, Outcome = DeploymentUpdate.State, DeploymentUpdate.Outcome


def running(deployment_id: str = "churn-dev", **fields) -> DeploymentUpdate:
    return DeploymentUpdate.objects.create(deployment_id=deployment_id, job_id="job-1", state=State.RUNNING, **fields)


def test_of_two_claims_one_wins():
    update = running()
    first = update.claim(LEASE)
    second = DeploymentUpdate.objects.get(pk=update.pk).claim(LEASE)
    assert first and second is None
    update.refresh_from_db()
    assert update.lease_owner == first and update.lease_until > timezone.now()


def test_a_live_lease_keeps_the_update_out_of_the_resume_sweep_until_it_expires():
    update = running()
    update.claim(LEASE)
    assert not DeploymentUpdate.objects.orphaned().exists()
    DeploymentUpdate.objects.filter(pk=update.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert list(DeploymentUpdate.objects.orphaned()) == [update]
    taken_over = update.claim(LEASE)  # the new poller of an orphaned update
    assert taken_over and not DeploymentUpdate.objects.orphaned().exists()


def test_an_update_never_claimed_is_orphaned_but_one_without_a_future_is_not():
    orphan = running("churn-dev")
    DeploymentUpdate.objects.create(deployment_id="churn-test", state=State.STARTING)
    assert list(DeploymentUpdate.objects.orphaned()) == [orphan]


def test_the_poller_that_lost_its_lease_can_neither_renew_nor_finish():
    update = running()
    old = update.claim(LEASE)
    DeploymentUpdate.objects.filter(pk=update.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    new = DeploymentUpdate.objects.get(pk=update.pk).claim(LEASE)
    assert new and new != old
    assert update.renew(old, LEASE, percent=50, label="Preloading") is False
    assert update.finish(Outcome.SUCCESS, token=old) is False
    assert update.renew(new, LEASE, percent=50, label="Preloading") is True
    update.refresh_from_db()
    assert update.poll_count == 1 and update.progress_percent == 50 and update.progress_label == "Preloading"


def test_finish_is_terminal_and_happens_once():
    update = running()
    token = update.claim(LEASE)
    assert update.finish(Outcome.SUCCESS, token=token, reports=[{"key": "activateReport"}], percent=100) is True
    assert update.finish(Outcome.ERROR, token=token, error="late") is False
    assert update.finish(Outcome.ERROR, error="no token either") is False
    update.refresh_from_db()
    assert update.finished and update.outcome == Outcome.SUCCESS and update.lease_until is None
    assert update.progress_percent == 100 and update.error_message == ""
    assert update.claim(LEASE) is None and update.renew(token, LEASE) is False
    assert update.request_abort("dave") is False


def test_running_only_from_starting_and_one_active_update_per_deployment():
    update = DeploymentUpdate.objects.create(deployment_id="churn-dev")
    assert update.state == State.STARTING and update.claim(LEASE) is None  # no future yet: nothing to poll
    assert update.mark_running(job_id="job-9", percent=None, label="Queued") is True
    assert update.state == State.RUNNING and update.job_id == "job-9"
    assert update.mark_running(job_id="job-10", percent=None, label="") is False
    with pytest.raises(IntegrityError), transaction.atomic():
        DeploymentUpdate.objects.create(deployment_id="churn-dev")


def test_records_stuck_before_their_post_are_closed_as_unknown():
    stuck = DeploymentUpdate.objects.create(deployment_id="churn-dev")
    fresh = DeploymentUpdate.objects.create(deployment_id="churn-test")
    DeploymentUpdate.objects.filter(pk=stuck.pk).update(started_at=timezone.now() - timedelta(hours=1))
    assert DeploymentUpdate.objects.close_stuck_starting(timezone.now() - timedelta(minutes=5)) == 1
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.finished and stuck.outcome == Outcome.UNKNOWN and stuck.error_message == STUCK_STARTING_MESSAGE
    assert fresh.state == State.STARTING


def test_abort_is_noted_on_running_updates_only():
    update = running()
    assert update.request_abort("dave") is True
    assert DeploymentUpdate.objects.filter(job_id="job-1").request_abort("frank") == 1
    update.refresh_from_db()
    assert update.abort_requested_by == "frank"
