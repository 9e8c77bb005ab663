"""Bundle governance: the Govern sign-off state of every bundle the Deployer may run, kept in Redis by a worker.

Govern knows nothing of the Deployer; an artifact governs a bundle when its custom fields name the bundle's published
project and id (field ids GOVERN_BUNDLE_PROJECT_FIELD and GOVERN_BUNDLE_ID_FIELD). The list call returns no custom
fields, so finding the links costs one `GET /artifacts/{id}` per artifact: `refresh` reads them in a worker, within a
request budget (GOVERN_BUNDLE_REQUESTS_PER_SECOND), remembers each link for GOVERN_BUNDLE_LINK_SECONDS, and reads
the sign-offs of the linked artifacts only, once a cycle. Pages (the wall) only read the snapshot.

`BundleGovernanceCache` owns the keys, TTL and JSON shape:
- `governance:v1:snapshot`  the snapshot (see `GovernanceSnapshot`), and `…:snapshot:stamp`, new at every store
- `governance:v1:display`   a digest of what a screen shows from it: changes only when that does
- `governance:v1:built`     when the last successful refresh ended (epoch seconds): its age, read alone
- `governance:v1:lock`      held by the one running refresh
- `governance:v1:asked`     set by the first reader of a cold snapshot, so readers ask for one refresh
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.conf import settings

from govern_ui.client import UPSTREAM, ArtifactSummary, SignOff, get_client
from portal.lib.locks import CacheLock
from portal.lib.ratelimit import bucket_for
from portal.lib.snapshot import RedisSnapshot
from portal.lib.upstream import UpstreamError, UpstreamNotFound

log = logging.getLogger(__name__)

APPROVED = "approved"
PENDING = "pending"
REJECTED = "rejected"
NOT_GOVERNED = "not_governed"


def sign_off_state(sign_offs: Iterable[SignOff]) -> str:
    """An artifact's sign-off state: rejected if a step is rejected, approved if every step is, else pending (an
    artifact without steps has nothing signed off, so it is pending too)."""
    statuses = [s.status for s in sign_offs]
    if "REJECTED" in statuses:
        return REJECTED
    if statuses and all(status == "APPROVED" for status in statuses):
        return APPROVED
    return PENDING


@dataclass(frozen=True)
class ArtifactLink:
    """What the refresh knows of one artifact: the bundle its custom fields name ("" when none) and its sign-off
    state (None until read). `checked_at` is when its custom fields were last read (epoch seconds)."""

    artifact_id: str
    name: str
    created_on: float | None  # epoch seconds
    project_key: str = ""
    bundle_id: str = ""
    checked_at: float = 0.0
    state: str | None = None

    @property
    def linked(self) -> bool:
        return bool(self.project_key and self.bundle_id)


@dataclass(frozen=True)
class BundleGovernance:
    """The sign-off state of one bundle, from its newest linked artifact.

    `withdrawn`: the bundle was approved (by an older artifact, or as the portal saw it in an earlier refresh) and is
    not any more. `approved_at`: when the portal first saw it approved (epoch seconds), kept after a withdrawal.
    """

    project_key: str
    bundle_id: str
    state: str
    artifact_id: str = ""
    artifact_name: str = ""
    withdrawn: bool = False
    approved_at: float | None = None

    @property
    def flagged(self) -> bool:
        """A deployment running this bundle runs something Govern has not (or no longer) signed off."""
        return self.withdrawn or self.state in (PENDING, REJECTED)


def derive_bundles(links: Iterable[ArtifactLink], previous: dict[tuple[str, str], BundleGovernance], now: float
                   ) -> dict[tuple[str, str], BundleGovernance]:
    """Each linked bundle's governance from its artifacts (the newest one decides) and the previous snapshot (which
    remembers approvals). A pure rule: no I/O."""
    by_bundle: dict[tuple[str, str], list[ArtifactLink]] = {}
    for link in links:
        if link.linked and link.state is not None:
            by_bundle.setdefault((link.project_key, link.bundle_id), []).append(link)
    result = {}
    for key, artifacts in by_bundle.items():
        artifacts.sort(key=lambda a: (a.created_on or 0, a.artifact_id))
        current, before = artifacts[-1], previous.get(key)
        approved_before = any(a.state == APPROVED for a in artifacts[:-1]) or (
            before is not None and (before.state == APPROVED or before.withdrawn))
        approved_at = before.approved_at if before is not None else None
        if current.state == APPROVED and approved_at is None:
            approved_at = now
        result[key] = BundleGovernance(
            project_key=key[0], bundle_id=key[1], state=current.state, artifact_id=current.artifact_id,
            artifact_name=current.name, withdrawn=current.state != APPROVED and approved_before,
            approved_at=approved_at,
        )
    return result


@dataclass(frozen=True)
class GovernanceSnapshot:
    """The last refresh: `built_at` (its end, epoch seconds; None if none ever succeeded), `ok` and `error` (of the
    last attempt), `complete` (every listed artifact's custom fields have been read: a bundle without an artifact is
    then surely not governed), the artifact `links` and the `bundles`."""

    built_at: float | None
    ok: bool
    error: str = ""
    complete: bool = False
    links: dict[str, ArtifactLink] = field(default_factory=dict)
    bundles: dict[tuple[str, str], BundleGovernance] = field(default_factory=dict)

    def lookup(self, project_key: str, bundle_id: str) -> BundleGovernance | None:
        """The governance of a bundle; a bundle no artifact names is `NOT_GOVERNED` once every link is known, None
        (unknown yet) before."""
        found = self.bundles.get((project_key, bundle_id))
        if found is None and self.complete and project_key and bundle_id:
            return BundleGovernance(project_key=project_key, bundle_id=bundle_id, state=NOT_GOVERNED)
        return found


class BundleGovernanceCache(RedisSnapshot):
    """The snapshot in Redis (a `RedisSnapshot`): the document (stamped: readers in one process keep its decoded copy
    until a store changes the stamp), its display digest and its age, and the base class's lock and ask-once flag."""

    PREFIX = "governance:v1"

    def __init__(self, interval: int | None = None):
        self.interval = int(interval or settings.GOVERN_BUNDLE_REFRESH_SECONDS)
        # Kept well past its interval: an old snapshot is shown with its age, not dropped. The lock is renewed after
        # every Govern call, so it only has to outlive one slow call and the gap between two.
        super().__init__(ttl=max(3600, 10 * self.interval), lock_ttl=max(120, 2 * self.interval))
        # A lost refresh task is asked for again after one interval, not after the base class's minute.
        self.ASK_TTL = max(10, self.interval)

    def load(self) -> GovernanceSnapshot | None:
        """The snapshot, or None while cold (never built, expired, unreadable, Redis unreachable)."""
        return self.read_stamped("snapshot", _decode)

    def store(self, snapshot: GovernanceSnapshot) -> None:
        self.write(self.display_digest(snapshot), "display")
        self.write(snapshot.built_at, "built")
        self.write_stamped("snapshot", _encode(snapshot))

    def display(self) -> str | None:
        """The digest of what screens show of the snapshot (see `display_digest`)."""
        return self.read("display")

    @staticmethod
    def display_digest(snapshot: GovernanceSnapshot) -> str:
        """What a screen shows of the snapshot, hashed: the bundles, whether the last refresh failed and whether
        the links are complete. Not `built_at`: screens learn the snapshot's age separately, so that a refresh
        that changed nothing does not make fifty screens download the same page again."""
        shown = [sorted([list(k), b.state, b.withdrawn] for k, b in snapshot.bundles.items()), snapshot.ok,
                 snapshot.error, snapshot.complete, snapshot.built_at is None]
        return hashlib.sha256(json.dumps(shown).encode()).hexdigest()[:16]


def _encode(snapshot: GovernanceSnapshot) -> dict:
    return {
        "built_at": snapshot.built_at, "ok": snapshot.ok, "error": snapshot.error, "complete": snapshot.complete,
        "links": [[a.artifact_id, a.name, a.created_on, a.project_key, a.bundle_id, a.checked_at, a.state]
                  for a in snapshot.links.values()],
        "bundles": [[b.project_key, b.bundle_id, b.state, b.artifact_id, b.artifact_name, b.withdrawn,
                     b.approved_at] for b in snapshot.bundles.values()],
    }


def _decode(data: dict) -> GovernanceSnapshot | None:
    try:
        links = {row[0]: ArtifactLink(*row) for row in data["links"]}
        bundles = {(row[0], row[1]): BundleGovernance(*row) for row in data["bundles"]}
        return GovernanceSnapshot(built_at=data["built_at"], ok=data["ok"], error=data["error"],
                                  complete=data["complete"], links=links, bundles=bundles)
    except (TypeError, KeyError, IndexError):
        log.warning("bundle governance: unreadable snapshot ignored (it is rebuilt at the next refresh)")
        return None


# -- the refresh (a worker runs it; see govern_ui.tasks.refresh_bundle_governance) -------------------------------------


def _link_from(summary: ArtifactSummary, custom_fields: dict, now: float, before: ArtifactLink | None
               ) -> ArtifactLink:
    def field_text(field_id: str) -> str:
        value = custom_fields.get(field_id)
        return value.strip() if isinstance(value, str) else ""

    project_key = field_text(settings.GOVERN_BUNDLE_PROJECT_FIELD)
    bundle_id = field_text(settings.GOVERN_BUNDLE_ID_FIELD)
    same_bundle = before is not None and (before.project_key, before.bundle_id) == (project_key, bundle_id)
    return ArtifactLink(artifact_id=summary.id, name=summary.name, created_on=_epoch(summary),
                        project_key=project_key, bundle_id=bundle_id, checked_at=now,
                        state=before.state if same_bundle else None)


def _epoch(summary: ArtifactSummary) -> float | None:
    return summary.created_on.timestamp() if summary.created_on else None


def _list_artifacts(client) -> list[ArtifactSummary]:
    blueprints = list(settings.GOVERN_BUNDLE_BLUEPRINTS) or [None]
    found: dict[str, ArtifactSummary] = {}
    for blueprint_id in blueprints:
        for summary in client.list_artifacts(blueprint_id=blueprint_id):
            found[summary.id] = summary
    return list(found.values())


def refresh(*, on_demand: bool = False) -> GovernanceSnapshot | None:
    """One refresh: list artifacts, read the custom fields of new (and long unchecked) ones, read the sign-offs of
    the linked ones, derive every bundle's state, store the snapshot. Returns it; None when skipped (another refresh
    holds the lock, or an on-demand one finds the snapshot warm).

    Every Govern call first takes a token from the budget; a cycle reads at most one interval's worth of artifacts
    (budget x interval, less the sign-off reads) and leaves the rest to the next cycles, so a first refresh over
    thousands of artifacts is spread over several and never bursts. Upstream failures are stored in the snapshot
    (the previous links and states are kept), never raised.
    """
    store = BundleGovernanceCache()
    if on_demand and store.load() is not None:
        store.asked.clear()
        return None
    lock = store.lock()
    token = lock.acquire()
    if token is None:
        return None
    try:
        return _cycle(store, lock, token)
    finally:
        lock.release(token)
        store.asked.clear()


def _cycle(store: BundleGovernanceCache, lock: CacheLock, token: str) -> GovernanceSnapshot:
    previous = store.load() or GovernanceSnapshot(built_at=None, ok=True)
    rate = float(settings.GOVERN_BUNDLE_REQUESTS_PER_SECOND)
    budget, client = bucket_for("govern-bundles", rate), get_client()

    def call(fn, *args):
        budget.acquire()
        try:
            return fn(*args)
        finally:
            lock.renew(token)

    try:
        summaries = call(_list_artifacts, client)
    except UpstreamError as exc:
        log.warning("bundle governance: listing failed: %s", exc)
        failed = replace(previous, ok=False, error=f"{exc.upstream or UPSTREAM} {exc.message}"[:500])
        store.store(failed)
        return failed

    now = time.time()
    links = {s.id: previous.links[s.id] for s in summaries if s.id in previous.links}
    linked_count = sum(1 for link in links.values() if link.linked)
    room = max(10, int(rate * store.interval) - linked_count)
    recheck_before = now - settings.GOVERN_BUNDLE_LINK_SECONDS
    due = [s for s in summaries if s.id not in links or links[s.id].checked_at < recheck_before]
    # Never-read artifacts first, newest first (a new bundle's artifact is what a screen waits for), then the oldest
    # checked.
    due.sort(key=lambda s: (s.id in links, links[s.id].checked_at if s.id in links else -(_epoch(s) or 0)))
    errors: list[str] = []
    for summary in due[:room]:
        try:
            artifact = call(client.get_artifact, summary.id)
        except UpstreamNotFound:
            links.pop(summary.id, None)  # deleted since the listing
            continue
        except UpstreamError as exc:
            errors.append(f"{exc.upstream or UPSTREAM} {exc.message}")
            continue
        links[summary.id] = _link_from(summary, artifact.custom_fields or {}, now, links.get(summary.id))
    by_id = {s.id: s for s in summaries}
    for artifact_id, link in list(links.items()):
        summary = by_id[artifact_id]
        if summary.name != link.name or _epoch(summary) != link.created_on:
            links[artifact_id] = link = replace(link, name=summary.name, created_on=_epoch(summary))
        if not link.linked:
            continue
        try:
            state = sign_off_state(call(client.list_sign_offs, artifact_id))
        except UpstreamNotFound:
            links.pop(artifact_id)
            continue
        except UpstreamError as exc:
            errors.append(f"{exc.upstream or UPSTREAM} {exc.message}")
            continue
        links[artifact_id] = replace(link, state=state)

    error = f"{len(errors)} Govern reads failed: {errors[0]}"[:500] if errors else ""
    snapshot = GovernanceSnapshot(
        built_at=time.time(), ok=not errors, error=error, complete=len(links) == len(summaries),
        links=links, bundles=derive_bundles(links.values(), previous.bundles, now),
    )
    store.store(snapshot)
    return snapshot
