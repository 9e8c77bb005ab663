"""The sign-off index's entries: every open sign-off step across all artifacts, as the queue's rules read them
(types, and how an artifact's entry is built from its sign-offs).

Govern has no call answering "which steps wait for me"; answering it means one request per artifact, so the Govern
mirror (`govern_ui.mirror`) reads them in the background and pages (my queue, the nav badge, the home page) build
these entries from its rows. Besides the open steps, an entry keeps what the queue's assignment rules need: each
artifact's creator, owner and named reviewers (custom fields), each step's assignee type; the directory holds who
may sign off, display names and blueprint names.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from govern_ui.client import OPEN_STATUSES, SignOff
from govern_ui.models import attributed_login


def reviewers_of(sign_off: SignOff) -> frozenset[str]:
    """Govern logins who already reviewed a step: the reviewer, and the person named by the portal's attribution on
    a review the portal's service account sent (the only account whose attribution is trusted)."""
    logins = set()
    for review in sign_off.reviews:
        logins.add(review.reviewer)
        named = attributed_login(review.comment) if review.reviewer == settings.GOVERN_SERVICE_LOGIN else ""
        if named:
            logins.add(named)
    return frozenset(logins)


@dataclass(frozen=True)
class IndexedStep:
    """An open (undecided) sign-off step, as the queue needs it."""

    artifact_id: str
    artifact_name: str
    blueprint_id: str
    step_id: str
    step_name: str
    status: str
    delegated_to: str
    reviewers: frozenset[str]
    waiting_since: datetime | None  # the last review before this step could move, else the artifact's creation
    assignee_type: str = ""  # USER, GROUP or ROLE, from the blueprint version ('' when unknown)


@dataclass(frozen=True)
class ArtifactEntry:
    name: str
    blueprint_id: str
    modified_on: datetime | None
    modified_by: str
    steps: tuple[IndexedStep, ...]
    detail_at: float | None = None  # epoch seconds when modified_on/by were read from GET /artifacts/{id}
    created_by: str = ""
    owners: frozenset[str] = frozenset()  # creator and owner field: kept off the steps by the self-review rule
    named_reviewers: tuple[str, ...] = ()  # the reviewers custom field (GOVERN_REVIEWERS_FIELD)


@dataclass(frozen=True)
class Directory:
    """Govern's people and blueprints as the queue needs them, read once per rebuild."""

    signers: frozenset[str] = frozenset()  # logins whose roles allow sign-off
    names: dict[str, str] = field(default_factory=dict)  # display name by login
    blueprints: dict[str, str] = field(default_factory=dict)  # blueprint name by id


@dataclass(frozen=True)
class IndexSnapshot:
    """The open steps of every artifact that has some, with the directory; `built_at`: the epoch seconds of the
    oldest reading they come from (the mirror's age)."""

    built_at: float
    artifacts: dict[str, ArtifactEntry]
    directory: Directory = field(default_factory=Directory)
    stamp: tuple = ()  # the mirror's rows and directory these entries come from: same stamp, same entries

    def open_steps(self) -> Iterator[IndexedStep]:
        for entry in self.artifacts.values():
            yield from entry.steps

    def open_step_count(self) -> int:
        return sum(len(entry.steps) for entry in self.artifacts.values())


def build_entry(
    artifact_id: str,
    name: str,
    blueprint_id: str,
    created_on: datetime | None,
    modified_on: datetime | None,
    modified_by: str,
    sign_offs: list[SignOff],
    detail_at: float | None = None,
    *,
    created_by: str = "",
    owners: frozenset[str] = frozenset(),
    named_reviewers: tuple[str, ...] = (),
    assignees: Mapping[str, str] | None = None,
) -> ArtifactEntry:
    """An artifact's index entry from its sign-offs (in workflow order). A step waits since the last review of the
    steps before it (or of itself), else since the artifact was created. `assignees`: step id -> assignee type."""
    assignees = assignees or {}
    steps = []
    since = created_on
    for sign_off in sign_offs:
        times = [r.reviewed_on for r in sign_off.reviews if r.reviewed_on is not None]
        if sign_off.status in OPEN_STATUSES:
            steps.append(
                IndexedStep(
                    artifact_id=artifact_id,
                    artifact_name=name,
                    blueprint_id=blueprint_id,
                    step_id=sign_off.step_id,
                    step_name=sign_off.step_name,
                    status=sign_off.status,
                    delegated_to=sign_off.delegated_to,
                    reviewers=reviewers_of(sign_off),
                    waiting_since=max(times) if times else since,
                    assignee_type=assignees.get(sign_off.step_id, ""),
                )
            )
        if times:
            since = max(times) if since is None else max(*times, since)
    return ArtifactEntry(
        name, blueprint_id, modified_on, modified_by, tuple(steps), detail_at, created_by, owners, named_reviewers
    )
