"""The review queue: which open sign-off steps wait for a person, and how many (read from the sign-off index, never
from Govern)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from govern_ui import enqueue
from govern_ui.client import NEVER
from govern_ui.index import IndexedStep, SignOffIndex
from govern_ui.models import ReviewAction
from portal.models import govern_login_of
from portal.roles import REVIEWER, has_role


@dataclass(frozen=True)
class QueueItem:
    step: IndexedStep
    delegated_to_me: bool
    waiting_since: datetime | None


@dataclass
class Queue:
    items: list[QueueItem]
    loading: bool
    built_at: datetime | None


def waiting_for(steps: Iterable[IndexedStep], login: str, acted_on: set[tuple[str, str]]) -> list[IndexedStep]:
    """The open steps waiting for `login`: not delegated to someone else, not reviewed by them in Govern, and not one
    they already acted on in the portal (`acted_on`: (artifact id, step id) pairs)."""
    return [
        step
        for step in steps
        if not (step.delegated_to and step.delegated_to != login)
        and login not in step.reviewers
        and (step.artifact_id, step.step_id) not in acted_on
    ]


def oldest_first(steps: list[IndexedStep]) -> list[IndexedStep]:
    """The queue's order: longest waiting first (a step with no known date first), then by ids."""
    return sorted(steps, key=lambda s: (s.waiting_since or NEVER, s.artifact_id, s.step_id))


def acted_on(login: str) -> set[tuple[str, str]]:
    """The steps `login` has a portal action on that takes them out of the queue: one being sent, or a delivered
    review (a delivered delegation leaves the step theirs to review until the delegate acts)."""
    mine = ReviewAction.objects.filter(govern_login=login)
    return set(mine.pending().values_list("artifact_id", "step_id")) | set(
        mine.filter(state=ReviewAction.State.DELIVERED)
        .exclude(kind=ReviewAction.Kind.DELEGATE)
        .values_list("artifact_id", "step_id")
    )


def queue_for(user) -> Queue:
    """The open steps `user` may review or that are delegated to them, oldest first. On a cold index: `loading`, and
    one rebuild is requested. Never calls Govern."""
    snapshot = SignOffIndex().load()
    if snapshot is None:
        enqueue.request_index_rebuild()
        return Queue([], True, None)
    login = govern_login_of(user)
    steps = oldest_first(waiting_for(snapshot.open_steps(), login, acted_on(login)))
    items = [QueueItem(s, s.delegated_to == login, s.waiting_since) for s in steps]
    return Queue(items, False, datetime.fromtimestamp(snapshot.built_at, tz=UTC))


def queue_count(user) -> int | None:
    """How many steps wait for `user` (None for a non-reviewer, or while the index is cold). Never calls Govern."""
    if not has_role(user, REVIEWER):
        return None
    snapshot = SignOffIndex().load()
    if snapshot is None:
        enqueue.request_index_rebuild()
        return None
    login = govern_login_of(user)
    return len(waiting_for(snapshot.open_steps(), login, acted_on(login)))
