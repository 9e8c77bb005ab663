"""Unit tier: who may review or delegate a sign-off step (govern_ui.review.step_access), without Govern."""

from __future__ import annotations

import pytest

from govern_ui.access import self_review_reason
from govern_ui.models import ReviewAction
from govern_ui.review import StepAccess, step_access
from tests.govern_ui.builders import ALICE, BOB, CAROL, action, review, sign_off

pytestmark = pytest.mark.unit

Kind, State = ReviewAction.Kind, ReviewAction.State


def access(sign_off_, *, is_reviewer=True, login=ALICE, own=(), reviewers=None) -> StepAccess:
    return step_access(is_reviewer=is_reviewer, login=login, sign_off=sign_off_, own_actions=own, reviewers=reviewers)


def test_a_reviewer_may_review_and_delegate_an_open_step():
    assert access(sign_off(status="NOT_STARTED")) == StepAccess(True, True)
    assert access(sign_off("compliance-review", "IN_PROGRESS", review(BOB))) == StepAccess(True, True)


def test_only_reviewers_may_act():
    result = access(sign_off(), is_reviewer=False)
    assert (result.can_review, result.can_delegate) == (False, False)
    assert result.reason == "Only reviewers can act on sign-offs."


@pytest.mark.parametrize("status", ["APPROVED", "REJECTED"])
def test_a_decided_step_is_closed_to_everyone(status):
    result = access(sign_off(status=status, delegated_to=ALICE))
    assert (result.can_review, result.can_delegate) == (False, False)
    assert result.reason == f"This step is already {status.lower()}."


def test_a_step_delegated_to_someone_else_is_theirs_alone():
    result = access(sign_off(status="DELEGATED", delegated_to=CAROL))
    assert (result.can_review, result.can_delegate) == (False, False)
    assert "delegated to carol" in result.reason
    assert access(sign_off(status="DELEGATED", delegated_to=CAROL), login=CAROL) == StepAccess(True, True)


def test_an_action_being_sent_blocks_a_second_one():
    result = access(sign_off(), own=[action(Kind.DELEGATE, State.PENDING)])
    assert (result.can_review, result.can_delegate) == (False, False)
    assert result.reason == "Your delegate of this step is being sent."


@pytest.mark.parametrize(
    "reviews",
    [(review(ALICE),), (review(via_portal=ALICE, comment="fine"),)],
    ids=["in Govern", "through the portal"],
)
def test_someone_who_reviewed_may_still_delegate_but_not_review_again(reviews):
    result = access(sign_off("technical-review", "IN_PROGRESS", *reviews))
    assert (result.can_review, result.can_delegate) == (False, True)
    assert result.reason == "You have already reviewed this step."


def test_a_delivered_review_counts_before_govern_shows_it_but_a_delivered_delegation_does_not():
    assert not access(sign_off(), own=[action(Kind.APPROVE, State.DELIVERED)]).can_review
    assert access(sign_off(), own=[action(Kind.DELEGATE, State.DELIVERED)]).can_review


def test_the_sign_off_index_reviewers_replace_the_reviews_when_govern_is_down():
    assert not access(sign_off(), reviewers=frozenset({ALICE})).can_review
    assert access(sign_off("s", "IN_PROGRESS", review(ALICE)), reviewers=frozenset({BOB})).can_review


def test_the_creator_or_owner_of_an_artifact_may_not_sign_off_its_steps():
    assert self_review_reason(ALICE, ALICE, {ALICE}, True) == "You created this artifact"
    assert self_review_reason(ALICE, BOB, {BOB, ALICE}, True).startswith("You own this artifact")
    assert self_review_reason(ALICE, ALICE, {ALICE}, False) == ""
    result = step_access(is_reviewer=True, login=ALICE, sign_off=sign_off(), own_actions=(),
                         self_review="You created this artifact")
    assert (result.can_review, result.can_delegate) == (False, False)
    assert result.reason.startswith("You created this artifact: segregation of duties")


def test_a_reviewer_without_a_usable_personal_key_is_told_to_add_one():
    result = step_access(is_reviewer=True, login=ALICE, sign_off=sign_off(), own_actions=(), key_problem="Add it")
    assert result == StepAccess(False, False, "Add it", needs_key=True)
    # A refusal for another reason keeps that reason: the key would not help.
    decided = step_access(is_reviewer=True, login=ALICE, sign_off=sign_off(status="APPROVED"), own_actions=(),
                          key_problem="Add it")
    assert decided.reason == "This step is already approved." and not decided.needs_key


def test_an_administrator_may_reassign_a_delegated_step_only():
    delegated = step_access(is_reviewer=False, is_admin=True, login="frank", own_actions=(),
                            sign_off=sign_off(status="DELEGATED", delegated_to=CAROL))
    assert delegated == StepAccess(False, False, "", can_reassign=True)
    open_step = step_access(is_reviewer=False, is_admin=True, login="frank", own_actions=(), sign_off=sign_off())
    assert not open_step.can_reassign and open_step.reason == "Only reviewers can act on sign-offs."


def test_a_delegated_step_names_its_delegate_by_name():
    result = step_access(is_reviewer=True, login=ALICE, own_actions=(), names={CAROL: "Carol Nguyen"},
                         sign_off=sign_off(status="DELEGATED", delegated_to=CAROL))
    assert result.reason == "This step is delegated to Carol Nguyen (carol); only they may review it."
