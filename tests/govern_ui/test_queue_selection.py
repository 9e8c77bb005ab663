"""Unit tier: which open steps wait for a reviewer, in which order (govern_ui.queue), from index steps in memory."""

from __future__ import annotations

import pytest

from govern_ui.index import ArtifactEntry
from govern_ui.queue import Me, assignment, may_review, oldest_first, status_label, waiting_for
from tests.govern_ui.builders import ALICE, BOB, CAROL, day, step

pytestmark = pytest.mark.unit


def test_steps_delegated_reviewed_or_acted_on_are_left_out():
    free = step("art-0001", "technical-review")
    mine = step("art-0002", "technical-review", status="DELEGATED", delegated_to=ALICE)
    theirs = step("art-0003", "technical-review", status="DELEGATED", delegated_to=CAROL)
    reviewed = step("art-0004", "technical-review", status="IN_PROGRESS", reviewers=frozenset({ALICE, BOB}))
    sent = step("art-0005", "compliance-review")
    steps = [free, mine, theirs, reviewed, sent]
    assert waiting_for(steps, ALICE, {("art-0005", "compliance-review")}) == [free, mine]
    assert waiting_for(steps, CAROL, set()) == [free, theirs, reviewed, sent]


def test_the_queue_is_oldest_first_with_undated_steps_first_and_ids_breaking_ties():
    old, new = step("art-0009", waiting_since=day(1)), step("art-0001", waiting_since=day(5))
    undated = step("art-0005", waiting_since=None)
    tie_a, tie_b = step("art-0002", "a", waiting_since=day(3)), step("art-0002", "b", waiting_since=day(3))
    assert oldest_first([new, tie_b, old, undated, tie_a]) == [undated, old, tie_a, tie_b, new]


def entry(owners=frozenset(), named=()):
    return ArtifactEntry("Churn", "bp-model", None, "", (), None, "grace", frozenset(owners), tuple(named))


def test_a_step_is_mine_when_delegated_to_me_when_the_artifact_names_me_or_by_my_sign_off_role():
    me, not_signer = Me(ALICE, signer=True), Me(ALICE, signer=False)
    assert assignment(step(status="DELEGATED", delegated_to=ALICE), entry(), not_signer) == "delegated"
    assert assignment(step(), entry(named=(BOB, ALICE)), not_signer) == "named"
    role_step = step(assignee_type="ROLE")
    assert assignment(role_step, entry(), me) == "role"
    assert assignment(role_step, entry(), not_signer) == ""
    assert assignment(step(assignee_type="USER"), entry(named=(BOB,)), me) == ""


def test_i_may_not_review_what_i_created_or_own_unless_self_review_is_allowed():
    mine = entry(owners={ALICE})
    assert not may_review(step(), mine, Me(ALICE), set())
    assert may_review(step(), mine, Me(ALICE, prevent_self_review=False), set())
    assert may_review(step(), mine, Me(BOB), set())
    assert not may_review(step(reviewers=frozenset({BOB})), entry(), Me(BOB), set())


def test_status_labels_are_words():
    assert [status_label(s) for s in ("IN_PROGRESS", "NOT_STARTED", "DELEGATED", "ODD_ONE")] == [
        "In progress", "Not started", "Delegated", "Odd one"]
