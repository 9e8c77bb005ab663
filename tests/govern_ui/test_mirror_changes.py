"""Unit tier: what the Govern mirror's reader records from two readings of an artifact's sign-offs
(govern_ui.mirror.observe.step_changes), and the order in which it visits artifacts (MirroredArtifact.schedule)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from govern_ui.mirror import observe
from govern_ui.mirror_models import MirroredArtifact

pytestmark = pytest.mark.unit

ART = "art-0001"


def step(status="NOT_STARTED", *reviews, delegated_to=""):
    data = {"stepId": "review", "stepName": "Review", "status": status, "reviews": list(reviews)}
    if delegated_to:
        data["delegatedTo"] = delegated_to
    return data


def review(reviewer, outcome="APPROVED", on=1_700_000_000_000, comment=""):
    return {"reviewer": reviewer, "outcome": outcome, "reviewedOn": on, "comment": comment}


def changes(before, after, first=False):
    return observe.step_changes(ART, "bp-model", before, after, seq=3, first_visit=first)


def test_a_first_visit_records_only_the_reviews_with_their_own_time():
    found = changes([], [step("DELEGATED", review("bob"), delegated_to="carol")], first=True)
    assert [c.action for c in found] == [observe.REVIEW]
    assert found[0].at == datetime.fromtimestamp(1_700_000_000, tz=UTC) and found[0].actor_name == "bob"


def test_a_new_review_its_status_change_and_a_delegation_are_each_one_change():
    before = [step("NOT_STARTED")]
    found = changes(before, [step("REJECTED", review("bob", "REJECTED"))])
    assert [(c.action, c.actor_name, c.outcome) for c in found] == [
        (observe.REVIEW, "bob", "REJECTED"), (observe.STEP_STATUS, "bob", "REJECTED")]
    delegated = changes(before, [step("DELEGATED", delegated_to="heidi")])
    assert [(c.action, c.input.get("delegate_to")) for c in delegated] == [
        (observe.DELEGATION, "heidi"), (observe.STEP_STATUS, None)]
    assert changes(before, before) == []


def test_a_review_sent_by_the_service_account_names_the_person_and_keeps_their_words():
    found = changes([step()], [step("IN_PROGRESS", review("svc-portal", comment="[via portal: alice] fine"))])
    assert (found[0].actor_name, found[0].govern_login, found[0].input["comment"]) == ("alice", "svc-portal", "fine")


def test_natural_keys_are_stable_and_fit_the_column():
    first = changes([step()], [step("IN_PROGRESS", review("bob"))])[0].key
    assert first == changes([step()], [step("IN_PROGRESS", review("bob"))])[0].key
    assert len(observe.natural_key("review", "x" * 400)) <= 255


def test_undecided_artifacts_fall_due_soon_and_the_others_within_the_daily_bound(settings):
    settings.GOVERN_SYNC_OPEN_SECONDS, settings.GOVERN_SYNC_DECIDED_SECONDS = 60, 86400
    now = datetime(2026, 1, 1, tzinfo=UTC)
    undecided, decided = MirroredArtifact(artifact_id="a", open_steps=1), MirroredArtifact(artifact_id="b")
    undecided.schedule(now)
    decided.schedule(now)
    assert undecided.next_visit_at == now + timedelta(seconds=60)
    assert now + timedelta(hours=12) <= decided.next_visit_at <= now + timedelta(days=1)
