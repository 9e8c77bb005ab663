"""Unit tier: an artifact's sign-off index entry built from its sign-offs (govern_ui.index.build_entry)."""

from __future__ import annotations

import pytest

from govern_ui.index import build_entry, reviewers_of
from sandbox.seed import FIRST_ARTIFACT
from tests.govern_ui.builders import ALICE, BOB, CAROL, SEED_START, day, review, sign_off

pytestmark = pytest.mark.unit


def entry(*sign_offs, created_on=SEED_START):
    return build_entry(FIRST_ARTIFACT, "Churn", "bp-model", created_on, day(9), "grace", list(sign_offs))


def test_only_open_steps_are_indexed_with_their_artifact():
    result = entry(
        sign_off("technical-review", "APPROVED", review(BOB, on=day(2))),
        sign_off("compliance-review", "IN_PROGRESS", review(CAROL, on=day(4))),
        sign_off("business-review", "DELEGATED", delegated_to=ALICE),
        sign_off("final-review", "REJECTED", review(BOB, "REJECTED", on=day(6))),
    )
    assert [s.step_id for s in result.steps] == ["compliance-review", "business-review"]
    assert {s.artifact_id for s in result.steps} == {FIRST_ARTIFACT}
    assert result.steps[1].delegated_to == ALICE
    assert (result.modified_on, result.modified_by) == (day(9), "grace")


def test_a_step_waits_since_its_last_review_or_the_last_review_before_it_or_the_creation():
    result = entry(
        sign_off("first", "NOT_STARTED"),
        sign_off("second", "APPROVED", review(BOB, on=day(2)), review(CAROL, on=day(3))),
        sign_off("third", "IN_PROGRESS", review(BOB, on=day(5))),
        sign_off("fourth", "NOT_STARTED"),
        created_on=day(1),
    )
    assert [s.waiting_since for s in result.steps] == [day(1), day(5), day(5)]


def test_without_a_creation_date_the_first_open_step_has_no_date():
    assert entry(sign_off("first"), created_on=None).steps[0].waiting_since is None


def test_reviewers_include_the_person_named_by_the_portal_attribution():
    reviewed = sign_off("s", "IN_PROGRESS", review(BOB), review(via_portal=ALICE, comment="looks fine"))
    assert reviewers_of(reviewed) == frozenset({BOB, "svc-portal", ALICE})
    assert entry(reviewed).steps[0].reviewers == frozenset({BOB, "svc-portal", ALICE})
