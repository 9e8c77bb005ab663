"""The sign-off index: every open sign-off step across all artifacts, kept in Redis, and how it is rebuilt.

Govern has no call answering "which steps wait for me"; answering it means one request per artifact. A Celery task
(`govern_ui.tasks.refresh_signoff_index`) rebuilds the index in the background and pages (my queue, the nav badge,
the home page) only read it. `SignOffIndex` owns the key format, the TTL and the serialisation.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from govern_ui.client import OPEN_STATUSES, Artifact, ArtifactSummary, GovernClient, SignOff, get_client
from govern_ui.models import attributed_login
from portal.lib.parsing import datetime_to_ms, ms_to_datetime
from portal.lib.snapshot import RedisSnapshot
from portal.lib.upstream import UpstreamError, UpstreamNotFound

log = logging.getLogger(__name__)


def reviewers_of(sign_off: SignOff) -> frozenset[str]:
    """Govern logins who already reviewed a step: the reviewer, or the person named by the portal's attribution."""
    logins = set()
    for review in sign_off.reviews:
        logins.add(review.reviewer)
        named = attributed_login(review.comment)
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


@dataclass(frozen=True)
class ArtifactEntry:
    name: str
    blueprint_id: str
    modified_on: datetime | None
    modified_by: str
    steps: tuple[IndexedStep, ...]
    detail_at: float | None = None  # epoch seconds when modified_on/by were read from GET /artifacts/{id}


@dataclass(frozen=True)
class IndexSnapshot:
    built_at: float
    artifacts: dict[str, ArtifactEntry]

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
) -> ArtifactEntry:
    """An artifact's index entry from its sign-offs (in workflow order). A step waits since the last review of the
    steps before it (or of itself), else since the artifact was created."""
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
                )
            )
        if times:
            since = max(times) if since is None else max(*times, since)
    return ArtifactEntry(name, blueprint_id, modified_on, modified_by, tuple(steps), detail_at)


class SignOffIndex(RedisSnapshot):
    """Key format, TTL and (JSON) serialisation of the index, plus its rebuild lock and ask-once flag.

    Readers in one process share the decoded snapshot until its stamp changes (`read_stamped`), so a page view costs
    one small Redis GET, not a decode of the whole index.
    """

    PREFIX = "govern:signoff-index:v2"
    NAME = "snapshot"

    def __init__(self) -> None:
        super().__init__(
            ttl=settings.GOVERN_INDEX_TTL_SECONDS, lock_ttl=max(120, settings.GOVERN_INDEX_REFRESH_SECONDS * 2)
        )

    def load(self) -> IndexSnapshot | None:
        """The current snapshot, or None when the index is cold (never built, expired, or Redis unreachable)."""
        return self.read_stamped(self.NAME, _decode)

    def store(self, artifacts: dict[str, ArtifactEntry], built_at: float | None = None) -> IndexSnapshot:
        snapshot = IndexSnapshot(built_at=time.time() if built_at is None else built_at, artifacts=artifacts)
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
        self.store(artifacts, built_at=snapshot.built_at)
        return True

    def clear(self) -> None:
        self.delete_stamped(self.NAME)


def _encode(snapshot: IndexSnapshot) -> dict[str, Any]:
    return {
        "built_at": snapshot.built_at,
        "artifacts": {
            art_id: [
                entry.name,
                entry.blueprint_id,
                datetime_to_ms(entry.modified_on),
                entry.modified_by,
                [
                    [s.step_id, s.step_name, s.status, s.delegated_to, sorted(s.reviewers),
                     datetime_to_ms(s.waiting_since)]
                    for s in entry.steps
                ],
                entry.detail_at,
            ]
            for art_id, entry in snapshot.artifacts.items()
        },
    }


def _decode(data: dict[str, Any]) -> IndexSnapshot:
    artifacts = {}
    for art_id, (name, bp_id, modified_on, modified_by, steps, detail_at) in data["artifacts"].items():
        artifacts[art_id] = ArtifactEntry(
            name,
            bp_id,
            ms_to_datetime(modified_on),
            modified_by,
            tuple(
                IndexedStep(art_id, name, bp_id, sid, sname, status, deleg, frozenset(revs), ms_to_datetime(since))
                for sid, sname, status, deleg, revs, since in steps
            ),
            detail_at,
        )
    return IndexSnapshot(built_at=data["built_at"], artifacts=artifacts)


# -- rebuilding ----------------------------------------------------------------------------------------------------


def entry_of(artifact: Artifact, sign_offs: list[SignOff]) -> ArtifactEntry:
    """The index entry of one artifact read in full (GET /artifacts/{id}) and its sign-offs."""
    return build_entry(
        artifact.id,
        artifact.name,
        artifact.blueprint_id,
        artifact.created_on,
        artifact.last_modified_on,
        artifact.last_modified_by,
        sign_offs,
        detail_at=time.time(),
    )


def detail_is_fresh(artifact_id: str, entry: ArtifactEntry | None, now: float) -> bool:
    """Whether `entry`'s modified date/author may be reused instead of reading the artifact again.

    Only the "modified" column needs GET /artifacts/{id}; the list gives everything else. Each artifact's reuse
    window is spread between half and all of GOVERN_INDEX_DETAIL_SECONDS, so re-reads are spread over rebuilds
    instead of all falling due in the same one.
    """
    if entry is None or entry.detail_at is None:
        return False
    spread = 0.5 + (zlib.crc32(artifact_id.encode()) % 1000) / 2000
    return now - entry.detail_at < settings.GOVERN_INDEX_DETAIL_SECONDS * spread


def _read_entry(client: GovernClient, artifact_id: str) -> ArtifactEntry:
    """Read one artifact and its sign-offs from Govern into an index entry. Raises `UpstreamError`."""
    return entry_of(client.get_artifact(artifact_id), client.list_sign_offs(artifact_id))


def rebuild() -> IndexSnapshot | None:
    """Rebuild the whole sign-off index with bounded concurrency. Returns the new snapshot, or None when another
    rebuild holds the lock. Raises `UpstreamError` when Govern cannot list artifacts (the old index stays)."""
    index = SignOffIndex()
    lock = index.lock()
    token = lock.acquire()
    if token is None:
        return None
    try:
        client = get_client()
        summaries = client.list_artifacts()
        previous = index.load()
        now = time.time()

        def cheap_entry(summary: ArtifactSummary, before: ArtifactEntry) -> ArtifactEntry | None:
            """One call instead of two: the sign-offs, with the previous build's modified date. None when the open
            steps changed, since the artifact was then most likely modified too."""
            sign_offs = client.list_sign_offs(summary.id)
            entry = build_entry(summary.id, summary.name, summary.blueprint_id, summary.created_on,
                                before.modified_on, before.modified_by, sign_offs, detail_at=before.detail_at)
            return entry if entry.steps == before.steps else None

        def one(summary: ArtifactSummary) -> tuple[str, ArtifactEntry | None]:
            before = previous.artifacts.get(summary.id) if previous else None
            try:
                if before is not None and detail_is_fresh(summary.id, before, now):
                    entry = cheap_entry(summary, before)
                    if entry is not None:
                        return summary.id, entry
                return summary.id, _read_entry(client, summary.id)
            except UpstreamNotFound:
                return summary.id, None  # deleted while we were walking the list
            except UpstreamError as exc:
                # One artifact failing must not empty the queue: keep what we knew of it.
                log.warning("sign-off index: %s kept from the previous build: %s", summary.id, exc)
                return summary.id, before

        with ThreadPoolExecutor(max_workers=max(1, settings.GOVERN_INDEX_CONCURRENCY)) as pool:
            entries = {art_id: entry for art_id, entry in pool.map(one, summaries) if entry is not None}
        snapshot = index.store(entries)
        index.asked.clear()
        return snapshot
    finally:
        lock.release(token)


def refresh_entry(artifact_id: str) -> None:
    """Re-read one artifact into the index (after an action is delivered). Raises `UpstreamError`."""
    try:
        entry = _read_entry(get_client(), artifact_id)
    except UpstreamNotFound:
        entry = None
    SignOffIndex().update_artifact(artifact_id, entry)


def record(artifact: Artifact, sign_offs: list[SignOff]) -> None:
    """Patch the index with an artifact a page has just read in full (no extra Govern call)."""
    SignOffIndex().update_artifact(artifact.id, entry_of(artifact, sign_offs))
