"""Unit tier: which open steps wait for a reviewer, in which order (govern_ui.queue), from index steps in memory."""

from __future__ import annotations

import pytest

from govern_ui.queue import oldest_first, waiting_for
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
