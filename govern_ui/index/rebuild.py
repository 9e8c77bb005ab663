"""Rebuilding the sign-off index from Govern: every artifact's open steps with bounded concurrency, one call per
unchanged artifact, plus the directory the queue's assignment rules read (who may sign off, names, blueprints)."""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

from govern_ui.catalog import Catalog
from govern_ui.client import Artifact, ArtifactSummary, GovernClient, SignOff, get_client
from govern_ui.index.snapshot import ArtifactEntry, Directory, IndexSnapshot, SignOffIndex, build_entry
from govern_ui.people import logins_in, names_of, owners_of, signers
from portal.lib.upstream import UpstreamError, UpstreamNotFound

log = logging.getLogger(__name__)


def entry_of(artifact: Artifact, sign_offs: list[SignOff], assignees: Mapping[str, str]) -> ArtifactEntry:
    """The index entry of one artifact read in full (GET /artifacts/{id}) and its sign-offs; `assignees` maps the
    blueprint version's step ids to their assignee types."""
    fields = artifact.custom_fields or {}
    return build_entry(
        artifact.id,
        artifact.name,
        artifact.blueprint_id,
        artifact.created_on,
        artifact.last_modified_on,
        artifact.last_modified_by,
        sign_offs,
        detail_at=time.time(),
        created_by=artifact.created_by,
        owners=owners_of(artifact.created_by, fields, settings.GOVERN_OWNER_FIELD),
        named_reviewers=logins_in(fields, settings.GOVERN_REVIEWERS_FIELD),
        assignees=assignees,
    )


def detail_is_fresh(artifact_id: str, entry: ArtifactEntry | None, now: float) -> bool:
    """Whether `entry`'s modified date/author (and custom fields) may be reused instead of reading the artifact again.

    Only the "modified" column and the custom fields need GET /artifacts/{id}; the list gives everything else. Each
    artifact's reuse window is spread between half and all of GOVERN_INDEX_DETAIL_SECONDS, so re-reads are spread
    over rebuilds instead of all falling due in the same one.
    """
    if entry is None or entry.detail_at is None:
        return False
    spread = 0.5 + (zlib.crc32(artifact_id.encode()) % 1000) / 2000
    return now - entry.detail_at < settings.GOVERN_INDEX_DETAIL_SECONDS * spread


class _Assignees:
    """Step assignee types by blueprint version, read once per version during a rebuild (thread-safe)."""

    def __init__(self, client: GovernClient):
        self.client = client
        self.lock = threading.Lock()
        self.known: dict[tuple[str, str], dict[str, str]] = {}

    def of(self, artifact: Artifact) -> dict[str, str]:
        key = (artifact.blueprint_id, artifact.blueprint_version_id)
        with self.lock:
            if key in self.known:
                return self.known[key]
        try:
            version = self.client.get_blueprint_version(*key) if all(key) else None
            found = {step.id: step.assignee_type for step in version.sign_off_steps} if version else {}
        except UpstreamNotFound:
            found = {}
        with self.lock:
            self.known[key] = found
        return found


def _read_entry(client: GovernClient, artifact_id: str, assignees: _Assignees) -> ArtifactEntry:
    """Read one artifact and its sign-offs from Govern into an index entry. Raises `UpstreamError`."""
    artifact = client.get_artifact(artifact_id)
    return entry_of(artifact, client.list_sign_offs(artifact_id), assignees.of(artifact))


def read_directory(client: GovernClient) -> Directory:
    """Who may sign off, display names and blueprint names. Raises `UpstreamError`."""
    catalog = Catalog()
    users = catalog.users()
    return Directory(
        signers=signers(users.values(), catalog.roles(), settings.GOVERN_SIGNOFF_PERMISSIONS),
        names=names_of(users),
        blueprints={bp.id: bp.name for bp in client.list_blueprints()},
    )


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
        try:
            directory = read_directory(client)
        except UpstreamError as exc:
            log.warning("sign-off index: directory kept from the previous build: %s", exc)
            directory = previous.directory if previous else Directory()
        assignees = _Assignees(client)
        now = time.time()

        def cheap_entry(summary: ArtifactSummary, before: ArtifactEntry) -> ArtifactEntry | None:
            """One call instead of two: the sign-offs, with the previous build's modified date and custom fields.
            None when the open steps changed, since the artifact was then most likely modified too."""
            sign_offs = client.list_sign_offs(summary.id)
            entry = build_entry(
                summary.id, summary.name, summary.blueprint_id, summary.created_on, before.modified_on,
                before.modified_by, sign_offs, detail_at=before.detail_at, created_by=summary.created_by,
                owners=before.owners, named_reviewers=before.named_reviewers,
                assignees={s.step_id: s.assignee_type for s in before.steps},
            )
            return entry if entry.steps == before.steps else None

        def one(summary: ArtifactSummary) -> tuple[str, ArtifactEntry | None]:
            before = previous.artifacts.get(summary.id) if previous else None
            try:
                if before is not None and detail_is_fresh(summary.id, before, now):
                    entry = cheap_entry(summary, before)
                    if entry is not None:
                        return summary.id, entry
                return summary.id, _read_entry(client, summary.id, assignees)
            except UpstreamNotFound:
                return summary.id, None  # deleted while we were walking the list
            except UpstreamError as exc:
                # One artifact failing must not empty the queue: keep what we knew of it.
                log.warning("sign-off index: %s kept from the previous build: %s", summary.id, exc)
                return summary.id, before

        with ThreadPoolExecutor(max_workers=max(1, settings.GOVERN_INDEX_CONCURRENCY)) as pool:
            entries = {art_id: entry for art_id, entry in pool.map(one, summaries) if entry is not None}
        snapshot = index.store(entries, directory=directory)
        index.asked.clear()
        return snapshot
    finally:
        lock.release(token)


def refresh_entry(artifact_id: str) -> None:
    """Re-read one artifact into the index (after an action is delivered). Raises `UpstreamError`."""
    client = get_client()
    try:
        entry = _read_entry(client, artifact_id, _Assignees(client))
    except UpstreamNotFound:
        entry = None
    SignOffIndex().update_artifact(artifact_id, entry)


def record(artifact: Artifact, sign_offs: list[SignOff], assignees: Mapping[str, str]) -> None:
    """Patch the index with an artifact a page has just read in full (no extra Govern call)."""
    SignOffIndex().update_artifact(artifact.id, entry_of(artifact, sign_offs, assignees))
