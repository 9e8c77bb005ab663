"""The review queue: which open sign-off steps are assigned to a person and which they may review, filtered, sorted
and paged, and how many (read from the Govern mirror, never from Govern).

A step is assigned to me when it is delegated to me, when its artifact's reviewers field names me, or when its
assignee type is ROLE and my Govern roles allow sign-off. I may review an open step unless it is delegated to
someone else, I reviewed it already (in Govern or through the portal), or — segregation of duties — I created or
own its artifact.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.core.paginator import Page, Paginator

from govern_ui.client import NEVER
from govern_ui.index import ArtifactEntry, IndexedStep, IndexSnapshot
from govern_ui.mirror import read as mirror
from govern_ui.models import ReviewAction
from portal.models import govern_login_of
from portal.roles import REVIEWER, has_role

TABS = {"mine": "Assigned to me", "all": "All open steps I may review"}
SORTS = {"age": "Waiting longest", "name": "Artifact name"}
STATUS_LABELS = {
    "NOT_STARTED": "Not started",
    "IN_PROGRESS": "In progress",
    "DELEGATED": "Delegated",
    "APPROVED": "Approved",
    "REJECTED": "Rejected",
}
OPEN_STATUS_CHOICES = ("NOT_STARTED", "IN_PROGRESS", "DELEGATED")
REASONS = {"delegated": "delegated to you", "named": "you are a named reviewer", "role": "your Govern role"}


def status_label(status: str) -> str:
    """A sign-off status as people read it ("In progress", not IN_PROGRESS)."""
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


# -- the rules (pure) ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Me:
    login: str
    signer: bool = False  # my Govern roles allow sign-off
    prevent_self_review: bool = True


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


def may_review(step: IndexedStep, entry: ArtifactEntry | None, me: Me, acted_on: set[tuple[str, str]]) -> bool:
    """Whether `me` may review the open `step` (see the module's rules)."""
    if not waiting_for([step], me.login, acted_on):
        return False
    return not (me.prevent_self_review and entry is not None and me.login in entry.owners)


def assignment(step: IndexedStep, entry: ArtifactEntry | None, me: Me) -> str:
    """Why the step is assigned to `me`: "delegated", "named" or "role"; '' when it is not."""
    if step.delegated_to == me.login:
        return "delegated"
    if entry is not None and me.login in entry.named_reviewers:
        return "named"
    if step.assignee_type == "ROLE" and me.signer:
        return "role"
    return ""


def oldest_first(steps: list[IndexedStep]) -> list[IndexedStep]:
    """The queue's order: longest waiting first (a step with no known date first), then by ids."""
    return sorted(steps, key=lambda s: (s.waiting_since or NEVER, s.artifact_id, s.step_id))


def by_name(steps: list[IndexedStep]) -> list[IndexedStep]:
    return sorted(steps, key=lambda s: (s.artifact_name.casefold(), s.artifact_id, s.step_name.casefold()))


def acted_on(login: str) -> set[tuple[str, str]]:
    """The steps `login` has a portal action on that takes them out of the queue: one being sent, or a delivered
    review (a delivered delegation leaves the step theirs to review until the delegate acts)."""
    mine = ReviewAction.objects.filter(govern_login=login)
    return set(mine.pending().values_list("artifact_id", "step_id")) | set(
        mine.filter(state=ReviewAction.State.DELIVERED, kind__in=("approve", "reject"), closed_at__isnull=True)
        .values_list("artifact_id", "step_id")
    )


# -- reading the queue ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    step: IndexedStep
    delegated_to_me: bool
    waiting_since: datetime | None
    reason: str = ""  # why it is assigned to me ('' on the "all" tab when it is not)
    blueprint_name: str = ""
    status_label: str = ""
    reviewed_by: tuple[str, ...] = ()  # the names of who reviewed it so far

    @property
    def reason_label(self) -> str:
        return REASONS.get(self.reason, "")


@dataclass
class Queue:
    items: list[QueueItem]
    loading: bool
    built_at: datetime | None  # the mirror's age: the oldest reading the open steps come from
    tab: str = "mine"
    counts: dict[str, int] = field(default_factory=dict)
    page: Page | None = None
    blueprints: list[tuple[str, str]] = field(default_factory=list)  # (id, name) of blueprints with open steps
    total: int = 0
    age: mirror.MirrorAge | None = None


def _me(user, snapshot: IndexSnapshot) -> Me:
    login = govern_login_of(user)
    return Me(login, login in snapshot.directory.signers, settings.GOVERN_PREVENT_SELF_REVIEW)


def _reviewable(user, snapshot: IndexSnapshot) -> list[tuple[IndexedStep, str]]:
    """(step, assignment) for every open step `user` may review."""
    me = _me(user, snapshot)
    done = acted_on(me.login)
    out = []
    for entry in snapshot.artifacts.values():
        for step in entry.steps:
            if may_review(step, entry, me, done):
                out.append((step, assignment(step, entry, me)))
    return out


def queue_for(
    user, *, tab: str = "mine", blueprint: str = "", status: str = "", sort: str = "age", page: int = 1
) -> Queue:
    """One page (`GOVERN_QUEUE_PER_PAGE`) of the open steps assigned to `user` (tab "mine") or that they may review
    (tab "all"), filtered by blueprint and status, oldest first or by artifact name, with the mirror's age. While
    the mirror was never filled: `loading`. Never calls Govern."""
    snapshot = mirror.snapshot()
    if snapshot is None:
        return Queue([], True, None, tab=tab if tab in TABS else "mine")
    tab = tab if tab in TABS else "mine"
    reviewable = _reviewable(user, snapshot)
    mine = [(s, why) for s, why in reviewable if why]
    counts = {"mine": len(mine), "all": len(reviewable)}
    chosen = mine if tab == "mine" else reviewable
    blueprint_ids = sorted({s.blueprint_id for s, _ in chosen})
    names = snapshot.directory.blueprints
    picked = [(s, why) for s, why in chosen
              if (not blueprint or s.blueprint_id == blueprint) and (not status or s.status == status)]
    reasons = {(s.artifact_id, s.step_id): why for s, why in picked}
    steps = (by_name if sort == "name" else oldest_first)([s for s, _ in picked])
    current = Paginator(steps, max(1, settings.GOVERN_QUEUE_PER_PAGE)).get_page(page)
    me = govern_login_of(user)
    items = [_item(s, me, reasons[(s.artifact_id, s.step_id)], snapshot) for s in current.object_list]
    built_at = datetime.fromtimestamp(snapshot.built_at, tz=UTC)
    blueprints = sorted(((b, names.get(b) or b) for b in blueprint_ids), key=lambda pair: pair[1].casefold())
    return Queue(items, False, built_at, tab, counts, current, blueprints, len(steps), mirror.age())


def _item(step: IndexedStep, login: str, reason: str, snapshot: IndexSnapshot) -> QueueItem:
    names = snapshot.directory.names
    reviewed = tuple(sorted(names.get(r) or r for r in step.reviewers if r != settings.GOVERN_SERVICE_LOGIN))
    return QueueItem(
        step=step,
        delegated_to_me=step.delegated_to == login,
        waiting_since=step.waiting_since,
        reason=reason,
        blueprint_name=snapshot.directory.blueprints.get(step.blueprint_id) or step.blueprint_id,
        status_label=status_label(step.status),
        reviewed_by=reviewed,
    )


_counts: OrderedDict[tuple, int] = OrderedDict()  # the badge, by (mirror stamp, reviewer, their portal actions)
_counts_lock = threading.Lock()
COUNTS_KEPT = 256


def queue_count(user) -> int | None:
    """How many steps are assigned to `user` (None for a non-reviewer, or while the mirror was never filled). Never
    calls Govern. Every page shows it: counted once per process until the mirror or the reviewer's actions change."""
    if not has_role(user, REVIEWER):
        return None
    snapshot = mirror.snapshot()
    if snapshot is None:
        return None
    me = _me(user, snapshot)
    key = (snapshot.stamp, me, frozenset(acted_on(me.login))) if snapshot.stamp else None
    with _counts_lock:
        found = _counts.get(key) if key else None
    if found is None:
        found = sum(1 for _, why in _reviewable(user, snapshot) if why)
        if key:
            with _counts_lock:
                _counts[key] = found
                while len(_counts) > COUNTS_KEPT:
                    _counts.popitem(last=False)
    return found


def next_for(user, after: tuple[str, str] | None = None) -> QueueItem | None:
    """The step to review next: the longest waiting one assigned to `user`, other than `after`; else the longest
    waiting one they may review. None when nothing waits (or the mirror is empty). Never calls Govern."""
    snapshot = mirror.snapshot()
    if snapshot is None or not has_role(user, REVIEWER):
        return None
    reviewable = [(s, why) for s, why in _reviewable(user, snapshot) if (s.artifact_id, s.step_id) != after]
    for pool in ([p for p in reviewable if p[1]], reviewable):
        if pool:
            step = oldest_first([s for s, _ in pool])[0]
            why = dict(((s.artifact_id, s.step_id), w) for s, w in pool)[(step.artifact_id, step.step_id)]
            return _item(step, govern_login_of(user), why, snapshot)
    return None
