"""Unit tier on the database (no sandbox): the ReviewAction delivery state machine — claims, retries with backoff,
and the final states."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from govern_ui import delivery
from govern_ui.models import CLAIM_SECONDS, ReviewAction
from sandbox.seed import FIRST_ARTIFACT, FIRST_STEP

pytestmark = [pytest.mark.unit, pytest.mark.django_db]

State = ReviewAction.State


@pytest.fixture
def pending(reviewer):
    """A confirmed approval by alice, not yet sent."""
    return ReviewAction.objects.create(
        kind=ReviewAction.Kind.APPROVE, artifact_id=FIRST_ARTIFACT, step_id=FIRST_STEP, actor=reviewer,
        govern_login="alice", idempotency_key="k" * 32,
    )


def test_of_two_claims_only_one_wins_and_counts_the_attempt(pending):
    first = ReviewAction.objects.claim(pending.pk)
    second = ReviewAction.objects.claim(pending.pk)
    assert first is not None and second is None
    assert first.attempts == 1 and first.actor.username == "alice"
    assert first.claimed_until > timezone.now() + timedelta(seconds=CLAIM_SECONDS - 5)
    assert not ReviewAction.objects.claimable().exists() and not ReviewAction.objects.due().exists()


def test_a_claim_that_ran_out_is_orphaned_and_claimable_again(pending):
    assert ReviewAction.objects.claim(pending.pk) is not None
    later = timezone.now() + timedelta(seconds=CLAIM_SECONDS + 1)
    assert list(ReviewAction.objects.orphaned(later)) == [pending]
    assert list(ReviewAction.objects.due(later)) == [pending]
    again = ReviewAction.objects.claim(pending.pk, now=later)
    assert again is not None and again.attempts == 2


def test_only_the_current_holder_renews_its_claim(pending):
    stale = ReviewAction.objects.claim(pending.pk)
    assert stale.renew()
    later = timezone.now() + timedelta(seconds=CLAIM_SECONDS + 1)
    current = ReviewAction.objects.claim(pending.pk, now=later)
    assert current is not None
    assert not stale.renew()
    assert current.renew()


def test_a_retry_frees_the_claim_and_is_due_after_its_backoff(pending, settings):
    settings.GOVERN_DELIVERY_BACKOFF_BASE, settings.GOVERN_DELIVERY_BACKOFF_MAX = 5, 300
    assert [delivery.backoff_seconds(n) for n in (1, 2, 3, 7, 8, 20)] == [5, 10, 20, 300, 300, 300]
    action = ReviewAction.objects.claim(pending.pk)
    assert action.mark_retry("Govern cannot be reached", 503, delivery.backoff_seconds(action.attempts))
    action.refresh_from_db()
    assert action.state == State.PENDING and action.claimed_until is None
    assert (action.last_error, action.upstream_status) == ("Govern cannot be reached", 503)
    assert ReviewAction.objects.claimable().exists()
    assert not ReviewAction.objects.due().exists()
    assert list(ReviewAction.objects.due(timezone.now() + timedelta(seconds=6))) == [action]


@pytest.mark.parametrize("final", ["delivered", "refused"])
def test_a_final_state_is_never_claimed_retried_or_changed(pending, final):
    action = ReviewAction.objects.claim(pending.pk)
    if final == "delivered":
        assert action.mark_delivered()
        assert action.delivered_at is not None and action.upstream_status == 200
    else:
        assert action.mark_refused("This step is already REJECTED", 400)
    action.refresh_from_db()
    assert action.state == final and action.is_final and action.claimed_until is None
    later = timezone.now() + timedelta(days=1)
    assert ReviewAction.objects.claim(pending.pk, now=later) is None
    assert not ReviewAction.objects.due(later).exists() and not ReviewAction.objects.orphaned(later).exists()
    assert not action.mark_retry("late", 503, 0)
    assert not action.mark_delivered() and not action.mark_refused("late", 400)
    action.refresh_from_db()
    assert action.state == final


def test_delivery_of_an_action_another_worker_holds_is_busy_without_calling_govern(pending, monkeypatch):
    def no_client():
        raise AssertionError("Govern was called for an action another worker holds")

    monkeypatch.setattr(delivery, "get_client", no_client)
    assert ReviewAction.objects.claim(pending.pk) is not None
    assert delivery.deliver_action(pending.pk) == delivery.BUSY
    assert delivery.deliver_due() == {}
    pending.refresh_from_db()
    assert pending.state == State.PENDING and pending.attempts == 1
