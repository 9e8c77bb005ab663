"""The Govern mirror's reader: one bounded sweep per beat tick, under one request budget shared by every worker.

A sweep (`sweep`), holding a Redis lock so two never overlap:
1. reads the artifact list when it is due (new artifacts are due at once, removed ones are marked so, a status
   moved in the list is recorded), then users, roles and blueprints when they are due;
2. visits the artifacts that are due, most overdue first: their sign-offs (one call), plus their own record (custom
   fields: owners, named reviewers) when new, changed, or older than GOVERN_SYNC_DETAIL_SECONDS;
3. stops when nothing is due, the tick's time is spent, or the budget gives no token in time.
Every call first takes a token from `SharedBucket("govern-sync", GOVERN_SYNC_MAX_RPS)`. When Govern stops answering,
the sweep stops, the mirror keeps serving what it has with its age, and `MirrorState.down_since` keeps the last good
contact; the first sweep that reads Govern again records the gap and makes every undecided artifact (and the list)
due at once, so the mirror catches up first where things can change.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from redis.exceptions import RedisError

from govern_ui.client import ArtifactSummary, GovernClient, get_client
from govern_ui.mirror import apply, observe
from govern_ui.models import MirroredArtifact, MirrorState
from govern_ui.people import names_of, signers
from portal.lib.locks import CacheLock
from portal.lib.ratelimit import SharedBucket
from portal.lib.upstream import UpstreamError, UpstreamNotFound, UpstreamRefused

log = logging.getLogger(__name__)

LOCK_KEY = "govern:mirror:sweep"
BUCKET = "govern-sync"
BATCH = 50
# Govern answering is stamped at most this often (the mirror's age reads it).
CONTACT_SECONDS = 2


class OutOfTime(Exception):
    """The sweep's slice is spent (or the budget gives no token before it ends): the next tick goes on."""


@dataclass
class SweepResult:
    calls: int = 0
    visited: int = 0
    listed: bool = False
    error: str = ""
    changes: int = 0
    gap: bool = False
    due_left: int = 0
    notes: list[str] = field(default_factory=list)


class Budgeted:
    """The Govern client behind the shared budget and the sweep's deadline, for the sweep's threads. Once one call
    finds Govern unreadable, the others stop at once instead of each waiting for their own timeout."""

    def __init__(self, client: GovernClient, deadline: float, result: SweepResult):
        self.client = client
        self.deadline = deadline
        self.result = result
        self.bucket = SharedBucket(BUCKET, settings.GOVERN_SYNC_MAX_RPS)
        self.failed: UpstreamError | None = None
        self.lock = threading.Lock()

    def call(self, method: str, *args):
        """`client.<method>(*args)` once a token is taken. Raises `OutOfTime`, or the call's `UpstreamError`."""
        if self.failed is not None:
            raise OutOfTime("Govern failed")
        remaining = self.deadline - time.monotonic()
        try:
            taken = remaining > 0 and self.bucket.acquire(timeout=remaining)
        except RedisError as exc:
            raise OutOfTime(f"no request budget: Redis failed: {exc}") from exc
        if not taken:
            raise OutOfTime("budget")
        with self.lock:
            self.result.calls += 1
        try:
            return getattr(self.client, method)(*args)
        except (UpstreamNotFound, UpstreamRefused):
            raise
        except UpstreamError as exc:
            self.failed = exc
            raise


def sweep(seconds: float | None = None) -> SweepResult | None:
    """One slice of the reader's work, at most `seconds` (default GOVERN_SYNC_TICK_SECONDS). Returns what it did, or
    None when another sweep holds the lock. Never raises an `UpstreamError`: Govern failing is noted in the mirror's
    state (and its age keeps growing on the pages)."""
    seconds = settings.GOVERN_SYNC_TICK_SECONDS if seconds is None else seconds
    lock = CacheLock(LOCK_KEY, ttl=int(seconds) + 60)
    token = lock.acquire()
    if token is None:
        return None
    result = SweepResult()
    try:
        _sweep(Budgeted(get_client(), time.monotonic() + seconds, result), result)
    finally:
        lock.release(token)
    return result


def _sweep(govern: Budgeted, result: SweepResult) -> None:
    state = MirrorState.load()
    try:
        now = timezone.now()
        if state.list_is_due(now):
            result.changes += read_list(govern, state)
            result.listed = True
            _contact(state, result)
        if state.directory_is_due(timezone.now()):
            read_directory(govern, state)
        with ThreadPoolExecutor(max_workers=max(1, settings.GOVERN_SYNC_CONCURRENCY)) as pool:
            while True:
                rows = list(MirroredArtifact.objects.due(timezone.now())[:BATCH])
                if not rows:
                    break
                result.changes += _visit_batch(govern, state, pool, rows, result)
    except OutOfTime:
        pass
    except UpstreamError as exc:
        # Unreachable, too slow, a refused key, an unreadable answer: Govern cannot be read now, whatever the cause.
        _lost(state, exc, result)
        return
    finally:
        result.due_left = MirroredArtifact.objects.due().count()
    _contact(state, result)


def _contact(state: MirrorState, result: SweepResult) -> None:
    """Govern answered: stamp it, and if an outage was being bridged, record its gap and catch up."""
    if result.calls == 0:
        return
    now = timezone.now()
    if state.down_since is not None:
        observe.record_gap(state.down_since, now, state.last_error)
        caught_up = MirroredArtifact.objects.with_open_steps().make_due(now)
        log.info("Govern mirror: Govern answers again; gap since %s recorded, %s undecided artifact(s) due now",
                 state.down_since, caught_up)
        state.down_since = None
        state.listed_at = None  # new and removed artifacts of the gap: read the list next
        result.gap = True
    elif state.last_success_at is not None and (now - state.last_success_at).total_seconds() < CONTACT_SECONDS \
            and not state.last_error:
        return  # stamped moments ago: spare the database a write per batch
    state.last_success_at, state.last_error = now, ""
    state.save(update_fields=["last_success_at", "last_error", "down_since", "listed_at", "directory_at",
                              "directory", "assignees"])


def _lost(state: MirrorState, exc: UpstreamError, result: SweepResult) -> None:
    log.warning("Govern mirror: Govern cannot be read (%s); serving the mirror as it is", exc)
    result.error = str(exc)
    if state.down_since is None:
        state.down_since = state.last_success_at or timezone.now()
    state.last_error = str(exc)[:2000]
    state.save(update_fields=["down_since", "last_error"])


def read_list(govern: Budgeted, state: MirrorState) -> int:
    """Read Govern's artifact list into the mirror: new artifacts (due now), removed ones, statuses. Returns how
    many changes were recorded. Raises `OutOfTime`, `UpstreamError`."""
    summaries: list[ArtifactSummary] = govern.call("list_artifacts")
    now = timezone.now()
    listed = {s.id: s for s in summaries}
    known = {row.artifact_id: row for row in MirroredArtifact.objects.only(
        "artifact_id", "name", "blueprint_id", "status", "removed_at", "visited_at", "changes")}
    empty = not any(row.removed_at is None for row in known.values())
    changes: list[observe.Change] = []
    created = []
    for art_id, summary in listed.items():
        row = known.get(art_id)
        if row is None:
            created.append(MirroredArtifact(
                artifact_id=art_id, name=summary.name[:500], blueprint_id=summary.blueprint_id,
                status=summary.status, created_on=summary.created_on, created_by=summary.created_by,
                owners=[summary.created_by] if summary.created_by else [], baseline=empty, next_visit_at=now,
            ))
            if not empty:
                changes.append(observe.appeared(art_id, summary.blueprint_id, summary.name, summary.created_by,
                                                summary.created_on))
        elif row.removed_at is not None or row.status != summary.status or row.name != summary.name[:500]:
            if row.removed_at is None and row.status != summary.status and row.visited_at is not None:
                row.changes += 1
                changes.append(observe.artifact_status_change(art_id, row.blueprint_id, row.status,
                                                              summary.status, row.changes, ""))
            if row.removed_at is not None:
                changes.append(observe.appeared(art_id, summary.blueprint_id, summary.name, summary.created_by,
                                                summary.created_on))
            row.removed_at, row.status, row.name, row.next_visit_at = None, summary.status, summary.name[:500], now
            row.shown_at = now
            row.save(update_fields=["removed_at", "status", "name", "next_visit_at", "changes", "updated_at",
                                    "shown_at"])
    gone = [row for art_id, row in known.items() if art_id not in listed and row.removed_at is None]
    for row in gone:
        row.changes += 1
        changes.append(observe.removed(row.artifact_id, row.blueprint_id, row.changes))
    with transaction.atomic():
        MirroredArtifact.objects.bulk_create(created, batch_size=500)
        for row in gone:
            row.removed_at = row.shown_at = now
            row.save(update_fields=["removed_at", "changes", "updated_at", "shown_at"])
        added = observe.record(changes)
        state.listed_at = now
        state.save(update_fields=["listed_at"])
    return added


def read_directory(govern: Budgeted, state: MirrorState) -> None:
    """Users, roles and blueprint names, for the queue's rules and labels. Raises `OutOfTime`, `UpstreamError`."""
    users = {u.login: u for u in govern.call("list_users")}
    roles = govern.call("list_roles")
    blueprints = govern.call("list_blueprints")
    state.directory = {
        "signers": sorted(signers(users.values(), roles, settings.GOVERN_SIGNOFF_PERMISSIONS)),
        "names": names_of(users),
        "blueprints": {bp.id: bp.name for bp in blueprints},
    }
    state.directory_at = timezone.now()
    state.save(update_fields=["directory", "directory_at"])


def _visit_batch(govern: Budgeted, state: MirrorState, pool: ThreadPoolExecutor, rows: list[MirroredArtifact],
                 result: SweepResult) -> int:
    """Read a batch of due artifacts (in the pool's threads), then write what was read in one transaction, even
    when the batch stopped early. Returns the changes recorded; raises the batch's first `OutOfTime` or
    `UpstreamError` after writing."""
    stopped: Exception | None = None
    found = []
    for future in [pool.submit(read_one, govern, row) for row in rows]:
        try:
            found.append(future.result())
        except (OutOfTime, UpstreamError) as exc:
            stopped = stopped or exc
    try:
        for reading in found:
            artifact = reading.artifact
            key = f"{artifact.blueprint_id}|{artifact.blueprint_version_id}" if artifact else ""
            if artifact is not None and key not in state.assignees:
                state.assignees[key] = _assignees(govern, artifact.blueprint_id, artifact.blueprint_version_id)
    except (OutOfTime, UpstreamError) as exc:
        stopped = stopped or exc
    added = apply.readings(found, state.assignees)
    result.visited += len(found)
    if found:
        _contact(state, result)
    if stopped is not None:
        raise stopped
    return added


def read_one(govern: Budgeted, row: MirroredArtifact) -> apply.Reading:
    """Read one artifact's sign-offs, and its own record when new, changed or due (Govern calls only: safe in a
    thread). Raises `OutOfTime`, or an `UpstreamError` when Govern cannot be read; a 404 reads as gone and a
    refusal of this one artifact (4xx) leaves it for its next visit."""
    read_at = timezone.now()
    try:
        sign_offs = [apply.sign_off_json(s) for s in govern.call("list_sign_offs", row.artifact_id)]
        artifact = None
        if row.detail_is_due(read_at) or sign_offs != row.sign_offs or row.visited_at is None:
            artifact = govern.call("get_artifact", row.artifact_id)
    except UpstreamNotFound:
        return apply.Reading(row, read_at, gone=True)
    except UpstreamRefused as exc:
        log.warning("Govern mirror: %s not read (%s); trying again at its next visit", row.artifact_id, exc)
        return apply.Reading(row, read_at)
    return apply.Reading(row, read_at, sign_offs, artifact)


def _assignees(govern: Budgeted, blueprint_id: str, version_id: str) -> dict[str, str]:
    if not (blueprint_id and version_id):
        return {}
    try:
        version = govern.call("get_blueprint_version", blueprint_id, version_id)
    except UpstreamNotFound:
        return {}
    return {step.id: step.assignee_type for step in version.sign_off_steps}
