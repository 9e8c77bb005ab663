"""The Govern mirror's reader against the sandbox over HTTP: what people do directly in Govern (with their own keys)
becomes `observed` history once, the portal's own decisions are linked to and counted once, the queue follows
Govern, and an outage is served from the mirror with its age, recorded as a gap and caught up."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from govern_ui.client import get_client
from govern_ui.mirror import observe, read, sweep
from govern_ui.models import MirroredArtifact, MirrorState
from govern_ui.queue import queue_count
from portal.audit.models import AuditEvent
from sandbox.seed import HOSTILE_ARTIFACT
from tests.govern_ui.helpers import (
    confirm,
    fill_mirror,
    find_step,
    in_govern,
    open_form,
    refill_mirror,
    reject_in_govern,
)

ROW = re.compile(r'data-testid="queue-row" data-artifact="([^"]+)" data-step="([^"]+)"')


def observed(**filters):
    return AuditEvent.objects.filter(source=AuditEvent.Source.OBSERVED, **filters)


def queue_rows(client) -> list[tuple[str, str]]:
    return ROW.findall(client.get("/governance/queue/?tab=all").content.decode())


def test_first_sync_records_every_existing_review_with_its_own_time_and_nothing_else(sandbox, db):
    fill_mirror()
    reviews = [(item["artifactId"], item["stepId"], r)
               for items in sandbox.summary()["signOffs"].values() for item in items
               for r in get_client().get_sign_off(item["artifactId"], item["stepId"]).reviews]
    events = observed(action=observe.REVIEW)
    assert events.count() == len(reviews) > 0
    art, step, review = reviews[0]
    event = events.get(target_id=f"{art}/{step}", govern_login=review.reviewer, at=review.reviewed_on)
    assert event.outcome == review.outcome and event.natural_key.startswith("govern:review:")
    # The starting state is not history: no appearances, delegations or status changes on an empty mirror's sync.
    assert not observed().exclude(action=observe.REVIEW).exists()
    assert MirroredArtifact.objects.live().count() == len(get_client().list_artifacts())


def test_reviews_and_delegations_made_directly_in_govern_are_observed_once(sandbox, db):
    fill_mirror()
    summary = sandbox.summary()
    art, step = find_step(summary, "NOT_STARTED", free_for="bob", not_owned_by=("bob",))
    other_art, other_step = find_step(summary, "NOT_STARTED", skip=(HOSTILE_ARTIFACT, art))
    in_govern("bob").add_review(art, step, "REJECTED", "not yet: data drift")
    in_govern("carol").delegate_sign_off(other_art, other_step, "heidi", "on leave")
    before = observed().count()

    refill_mirror()
    review = observed(action=observe.REVIEW, target_id=f"{art}/{step}").get()
    assert (review.actor_username, review.outcome, review.input["comment"]) == ("bob", "REJECTED",
                                                                                 "not yet: data drift")
    assert review.portal_event_id is None and review.input["reviewed_on"]
    status = observed(action=observe.STEP_STATUS, target_id=f"{art}/{step}").get()
    assert status.input == {"from": "NOT_STARTED", "to": "REJECTED"} and status.actor_username == "bob"
    delegation = observed(action=observe.DELEGATION, target_id=f"{other_art}/{other_step}").get()
    assert delegation.input["delegate_to"] == "heidi" and delegation.outcome == "DELEGATED"
    added = observed().count() - before
    assert added == 4  # the review, its step's status, the delegation, its step's status

    refill_mirror()
    refill_mirror()
    assert observed().count() - before == added, "a second pass adds nothing"


@pytest.mark.django_db(transaction=True)  # the delivery runs once the decision is committed
def test_a_decision_made_through_the_portal_reaches_the_mirror_at_once_and_is_counted_once(sandbox, reviewer, login):
    fill_mirror()
    client = login(reviewer)
    art, step = find_step(sandbox.summary(), "NOT_STARTED")
    confirm(client, art, step, "approve", open_form(client, art, step, "approve"), comment="fine by me")
    delivered = AuditEvent.objects.get(source="portal", action="signoff.approve", outcome="delivered")
    # The delivery read the step back into the mirror: no sweep needed for it to show there.
    row = MirroredArtifact.objects.get(artifact_id=art)
    reviews = next(s for s in row.sign_offs if s["stepId"] == step)["reviews"]
    assert any("[via portal: alice]" in r.get("comment", "") for r in reviews)
    echo = observed(action=observe.REVIEW, target_id=f"{art}/{step}").get()
    assert (echo.portal_event_id, echo.actor_username, echo.govern_login) == (delivered.pk, "alice", "svc-portal")
    assert echo.input["comment"] == "fine by me"

    refill_mirror()
    refill_mirror()
    assert observed(action=observe.REVIEW, target_id=f"{art}/{step}").count() == 1
    assert AuditEvent.objects.filter(target_id=f"{art}/{step}", action__in=("signoff.approve", observe.REVIEW),
                                     portal_event__isnull=True).count() == 2  # pending + delivered: one action
    history = client.get(f"/audit/history/?review_action={delivered.input['action_id']}").content.decode()
    assert "seen in Govern" in history


def test_the_queue_follows_a_decision_made_directly_in_govern(sandbox, reviewer2, login):
    fill_mirror()
    bob = login(reviewer2)
    art, step = next((a, s) for a, s in queue_rows(bob) if a != HOSTILE_ARTIFACT)
    reject_in_govern(art, step, "decided in Govern")
    assert (art, step) in queue_rows(bob), "pages read the mirror, not Govern"
    MirroredArtifact.objects.filter(artifact_id=art).update(next_visit_at=timezone.now())
    sandbox.reset_stats()
    sweep.sweep()
    assert sandbox.stats()["govern"]["GET /artifacts/{artifactId}/sign-offs"] >= 1
    assert (art, step) not in queue_rows(bob)


def test_new_and_removed_artifacts_are_picked_up_from_the_list(sandbox, db, operator, login):
    fill_mirror()
    gone = get_client().list_artifacts()[-1]
    new = in_govern("grace").create_artifact("Mirror newcomer", "bp-dataset")
    get_client().delete_artifact(gone.id)
    refill_mirror()
    appeared = observed(action=observe.APPEARED).get()
    assert (appeared.target_id, appeared.actor_username) == (new.id, "grace")
    assert observed(action=observe.REMOVED).get().target_id == gone.id
    page = login(operator).get("/governance/artifacts/?q=Mirror+newcomer").content.decode()
    assert f"/governance/artifacts/{new.id}/" in page
    assert MirroredArtifact.objects.live().filter(artifact_id=gone.id).count() == 0


@pytest.mark.django_db(transaction=True)
def test_govern_down_the_mirror_serves_with_its_age_records_the_gap_and_catches_up(sandbox, faults, reviewer2):
    fill_mirror()
    bob = Client()
    bob.force_login(reviewer2)
    shown = queue_rows(bob)
    art, step = next((a, s) for a, s in shown if a != HOSTILE_ARTIFACT)
    who = reject_in_govern(art, step, "while the portal was not looking")
    faults(target="govern", down=True)
    MirrorState.objects.update(listed_at=None)  # a minute later: the list is due, and Govern does not answer
    result = sweep.sweep()
    assert result.error and MirrorState.load().down_since is not None

    html = bob.get("/governance/queue/?tab=all").content.decode()
    assert ROW.findall(html) == shown, "the mirror keeps serving"
    assert 'data-testid="mirror-age"' in html and "Stale" in html and "Govern cannot be read now" in html
    readyz = bob.get("/readyz").json()
    assert readyz["cache_ages_seconds"]["govern-mirror"] is not None

    faults(target="govern", down=False)
    result = sweep.sweep()
    assert result.gap and not result.error
    gap = observed(action=observe.GAP).get()
    assert gap.input["from"] < gap.input["to"] and gap.detail
    assert observed(action=observe.REVIEW, target_id=f"{art}/{step}", actor_username=who).exists()
    html = bob.get("/governance/queue/?tab=all").content.decode()
    assert (art, step) not in ROW.findall(html) and "Stale" not in html
    sweep.sweep()
    assert observed(action=observe.GAP).count() == 1


def test_every_artifact_is_visited_within_the_daily_bound_and_undecided_ones_more_often(sandbox, db, settings):
    settings.GOVERN_SYNC_DECIDED_SECONDS = 4
    settings.GOVERN_SYNC_OPEN_SECONDS = 1
    fill_mirror()
    rows = MirroredArtifact.objects.live()
    for row in rows:
        bound = settings.GOVERN_SYNC_OPEN_SECONDS if row.open_steps else settings.GOVERN_SYNC_DECIDED_SECONDS
        assert (row.next_visit_at - row.visited_at).total_seconds() <= bound + 1
    started = timezone.now()
    sandbox.reset_stats()
    deadline = started + timedelta(seconds=settings.GOVERN_SYNC_DECIDED_SECONDS + 2)
    while timezone.now() < deadline:
        sweep.sweep(seconds=1)
    assert not rows.filter(visited_at__lt=started).exists(), "an artifact was not visited within the bound"
    visits = sandbox.stats()["govern"]["GET /artifacts/{artifactId}/sign-offs"]
    decided, undecided = rows.filter(open_steps=0).count(), rows.filter(open_steps__gt=0).count()
    # Undecided artifacts come back every second, decided ones once in the window: far more reads of the former.
    assert visits >= decided + 2 * undecided


def test_the_mirror_lag_is_a_gauge_on_metrics(sandbox, db, client, settings):
    settings.PORTAL_METRICS_TOKEN = "scrape-secret"
    fill_mirror()
    text = client.get("/metrics", REMOTE_ADDR="203.0.113.5",
                      HTTP_AUTHORIZATION="Bearer scrape-secret").content.decode()
    lag = re.search(r"^portal_govern_mirror_lag_seconds (\S+)$", text, re.M)
    assert lag and 0 <= float(lag.group(1)) < 60
    assert 'portal_cache_age_seconds{of="govern-mirror"}' in text



@pytest.mark.django_db(transaction=True)  # the delivery runs once the decision is committed
def test_a_delegation_made_through_the_portal_is_observed_linked_to_its_portal_event(sandbox, reviewer, login):
    fill_mirror()
    alice = login(reviewer)
    art, step = find_step(sandbox.summary(), "NOT_STARTED")
    confirm(alice, art, step, "delegate", open_form(alice, art, step, "delegate"), delegate_to="carol",
            comment="You know this model")
    delivered = AuditEvent.objects.get(source="portal", action="signoff.delegate", outcome="delivered")
    echo = observed(action=observe.DELEGATION, target_id=f"{art}/{step}").get()
    assert (echo.portal_event_id, echo.actor_username, echo.input["delegate_to"]) == (delivered.pk, "alice", "carol")
    refill_mirror()
    assert observed(action=observe.DELEGATION, target_id=f"{art}/{step}").count() == 1


def test_during_the_first_sync_the_queue_says_how_much_is_not_read_yet(sandbox, reviewer2, login, settings):
    settings.GOVERN_SYNC_MAX_RPS = 20
    assert "Loading the sign-offs" in login(reviewer2).get("/governance/queue/").content.decode()
    sweep.sweep(seconds=1)  # the list, the directory and a few artifacts
    unread = MirroredArtifact.objects.filter(visited_at__isnull=True).count()
    assert unread > 0
    html = login(reviewer2).get("/governance/queue/").content.decode()
    assert f"Still reading Govern: {unread} artifacts not read yet" in html


def test_rereading_unchanged_artifacts_keeps_the_pages_caches_and_a_change_shows_at_once(sandbox, reviewer2, login):
    fill_mirror()
    bob = login(reviewer2)
    stamp, entries = read._rows_stamp(), read.snapshot().artifacts
    count = queue_count(reviewer2)
    MirroredArtifact.objects.update(next_visit_at=timezone.now(), detail_at=None)
    fill_mirror()  # every artifact read again: nothing changed, so the decoded queue and the badge stay
    assert read._rows_stamp() == stamp and read.snapshot().artifacts is entries
    art, step = next((a, s) for a, s in queue_rows(bob) if a != HOSTILE_ARTIFACT)
    reject_in_govern(art, step, "decided in Govern")
    MirroredArtifact.objects.filter(artifact_id=art).update(next_visit_at=timezone.now())
    sweep.sweep()
    assert read._rows_stamp() != stamp
    assert queue_count(reviewer2) == count - 1, "the badge follows the change"
