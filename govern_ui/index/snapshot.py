"""The sign-off index's snapshot: every open sign-off step across all artifacts, kept in Redis (types, key, JSON).

Govern has no call answering "which steps wait for me"; answering it means one request per artifact. A Celery task
(`govern_ui.tasks.refresh_signoff_index`) rebuilds the index in the background and pages (my queue, the nav badge,
the home page) only read it. `SignOffIndex` owns the key format, the TTL and the serialisation.

Besides the open steps, a snapshot keeps what the queue's assignment rules need without calling Govern on a page
view: each artifact's creator, owner and named reviewers (custom fields), each step's assignee type, and the
directory (who may sign off, display names, blueprint names), all read during the rebuild.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings

from govern_ui.client import OPEN_STATUSES, SignOff
from govern_ui.models import attributed_login
from portal.lib.parsing import datetime_to_ms, ms_to_datetime
from portal.lib.snapshot import RedisSnapshot


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
    built_at: float
    artifacts: dict[str, ArtifactEntry]
    directory: Directory = field(default_factory=Directory)

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


class SignOffIndex(RedisSnapshot):
    """Key format, TTL and (JSON) serialisation of the index, plus its rebuild lock and ask-once flag.

    Readers in one process share the decoded snapshot until its stamp changes (`read_stamped`), so a page view costs
    one small Redis GET, not a decode of the whole index.
    """

    PREFIX = "govern:signoff-index:v3"
    NAME = "snapshot"

    def __init__(self) -> None:
        super().__init__(
            ttl=settings.GOVERN_INDEX_TTL_SECONDS, lock_ttl=max(120, settings.GOVERN_INDEX_REFRESH_SECONDS * 2)
        )

    def load(self) -> IndexSnapshot | None:
        """The current snapshot, or None when the index is cold (never built, expired, or Redis unreachable)."""
        return self.read_stamped(self.NAME, _decode)

    def store(
        self, artifacts: dict[str, ArtifactEntry], built_at: float | None = None, directory: Directory | None = None
    ) -> IndexSnapshot:
        snapshot = IndexSnapshot(
            built_at=time.time() if built_at is None else built_at,
            artifacts=artifacts,
            directory=directory or Directory(),
        )
        self.write_stamped(self.NAME, _encode(snapshot))
        return snapshot

    def update_artifact(self, artifact_id: str, entry: ArtifactEntry | None) -> bool:
        """Replace (or with None, drop) one artifact's entry. False when the index is cold (nothing to patch)."""
        snapshot = self.load()
        if snapshot is None:
            return False
        artifacts = dict(snapshot.artifacts)
        if entry is None:
            artifacts.pop(artifact_id, None)
        else:
            artifacts[artifact_id] = entry
        self.store(artifacts, built_at=snapshot.built_at, directory=snapshot.directory)
        return True

    def clear(self) -> None:
        self.delete_stamped(self.NAME)


def _encode(snapshot: IndexSnapshot) -> dict[str, Any]:
    directory = snapshot.directory
    return {
        "built_at": snapshot.built_at,
        "directory": [sorted(directory.signers), directory.names, directory.blueprints],
        "artifacts": {
            art_id: [
                entry.name,
                entry.blueprint_id,
                datetime_to_ms(entry.modified_on),
                entry.modified_by,
                [
                    [s.step_id, s.step_name, s.status, s.delegated_to, sorted(s.reviewers),
                     datetime_to_ms(s.waiting_since), s.assignee_type]
                    for s in entry.steps
                ],
                entry.detail_at,
                entry.created_by,
                sorted(entry.owners),
                list(entry.named_reviewers),
            ]
            for art_id, entry in snapshot.artifacts.items()
        },
    }


def _decode(data: dict[str, Any]) -> IndexSnapshot:
    artifacts = {}
    for art_id, row in data["artifacts"].items():
        name, bp_id, modified_on, modified_by, steps, detail_at, created_by, owners, named = row
        artifacts[art_id] = ArtifactEntry(
            name,
            bp_id,
            ms_to_datetime(modified_on),
            modified_by,
            tuple(
                IndexedStep(art_id, name, bp_id, sid, sname, status, deleg, frozenset(revs), ms_to_datetime(since),
                            assignee)
                for sid, sname, status, deleg, revs, since, assignee in steps
            ),
            detail_at,
            created_by,
            frozenset(owners),
            tuple(named),
        )
    signer_list, names, blueprints = data["directory"]
    return IndexSnapshot(data["built_at"], artifacts, Directory(frozenset(signer_list), names, blueprints))
