"""The sign-off index: every open sign-off step across all artifacts, kept in Redis.

Govern has no call answering "which steps wait for me"; answering it means one request per artifact. A Celery task
(`govern_ui.tasks.refresh_signoff_index`) builds the index in the background and pages (my queue, the nav badge, the
home page) only read it. `SignOffIndex` is the one owner of the key format, the TTL and the serialisation.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from govern_ui.client import OPEN_STATUSES, SignOff
from portal.lib.locks import AskOnce, CacheLock

_PORTAL_PREFIX = re.compile(r"^\[via portal: ([^\]]+)\]")


def reviewers_of(sign_off: SignOff) -> frozenset[str]:
    """Govern logins who already reviewed a step: the reviewer, or the person named by the portal's attribution."""
    logins = set()
    for review in sign_off.reviews:
        logins.add(review.reviewer)
        match = _PORTAL_PREFIX.match(review.comment or "")
        if match:
            logins.add(match.group(1))
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
    waiting_since: int | None  # epoch ms: the last review before this step could move, else the artifact's creation


@dataclass(frozen=True)
class ArtifactEntry:
    name: str
    blueprint_id: str
    modified_on: int | None
    modified_by: str
    steps: tuple[IndexedStep, ...]
    detail_at: float | None = None  # epoch seconds when modified_on/by were read from GET /artifacts/{id}


@dataclass(frozen=True)
class IndexSnapshot:
    built_at: float
    artifacts: dict[str, ArtifactEntry]

    def open_steps(self):
        for entry in self.artifacts.values():
            yield from entry.steps

    def open_step_count(self) -> int:
        return sum(len(entry.steps) for entry in self.artifacts.values())


def build_entry(
    artifact_id: str,
    name: str,
    blueprint_id: str,
    created_on: int | None,
    modified_on: int | None,
    modified_by: str,
    sign_offs: list[SignOff],
    detail_at: float | None = None,
) -> ArtifactEntry:
    """An artifact's index entry from its sign-offs (in workflow order)."""
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
            since = max([*times, since or 0])
    return ArtifactEntry(name, blueprint_id, modified_on, modified_by, tuple(steps), detail_at)


class SignOffIndex:
    """Key format, TTL and (JSON) serialisation of the index, plus the refresh lock.

    Readers in one process share the decoded snapshot until the stamp key changes, so a page view costs one small
    Redis GET, not a decode of the whole index.
    """

    KEY = "govern:signoff-index:v1"
    STAMP_KEY = "govern:signoff-index:v1:stamp"
    LOCK_KEY = "govern:signoff-index:v1:lock"
    REQUESTED_KEY = "govern:signoff-index:v1:requested"
    REQUEST_TTL = 60

    _memo_lock = threading.Lock()
    _memo: tuple[str, IndexSnapshot] | None = None

    @property
    def ttl(self) -> int:
        return settings.GOVERN_INDEX_TTL_SECONDS

    # -- reading ---------------------------------------------------------------------------------------------------

    def load(self) -> IndexSnapshot | None:
        """The current snapshot, or None when the index is cold (never built, expired, or Redis unreachable)."""
        stamp = cache.get(self.STAMP_KEY)
        if stamp is None:
            return None
        memo = SignOffIndex._memo
        if memo is not None and memo[0] == stamp:
            return memo[1]
        raw = cache.get(self.KEY)
        if raw is None:
            return None
        snapshot = self._decode(raw)
        with self._memo_lock:
            SignOffIndex._memo = (stamp, snapshot)
        return snapshot

    # -- writing ---------------------------------------------------------------------------------------------------

    def store(self, artifacts: dict[str, ArtifactEntry]) -> IndexSnapshot:
        snapshot = IndexSnapshot(built_at=time.time(), artifacts=artifacts)
        cache.set(self.KEY, self._encode(snapshot), self.ttl)
        cache.set(self.STAMP_KEY, secrets.token_hex(8), self.ttl)
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
        cache.set(self.KEY, self._encode(IndexSnapshot(snapshot.built_at, artifacts)), self.ttl)
        cache.set(self.STAMP_KEY, secrets.token_hex(8), self.ttl)
        return True

    def clear(self) -> None:
        cache.delete_many([self.KEY, self.STAMP_KEY])

    # -- refresh coordination --------------------------------------------------------------------------------------

    def acquire_lock(self, ttl: int) -> str | None:
        """A lock so only one rebuild runs; returns its token, or None when it is held."""
        return CacheLock(self.LOCK_KEY, ttl).acquire()

    def release_lock(self, token: str) -> None:
        CacheLock(self.LOCK_KEY).release(token)

    def request_refresh(self, ttl: int = REQUEST_TTL) -> bool:
        """True for the first caller within `ttl` seconds, so a cold cache triggers one rebuild, not one per view."""
        return AskOnce(self.REQUESTED_KEY, ttl).ask()

    def refresh_done(self) -> None:
        AskOnce(self.REQUESTED_KEY, self.REQUEST_TTL).clear()

    # -- serialisation ---------------------------------------------------------------------------------------------

    @staticmethod
    def _encode(snapshot: IndexSnapshot) -> str:
        return json.dumps(
            {
                "built_at": snapshot.built_at,
                "artifacts": {
                    art_id: [
                        entry.name,
                        entry.blueprint_id,
                        entry.modified_on,
                        entry.modified_by,
                        [
                            [s.step_id, s.step_name, s.status, s.delegated_to, sorted(s.reviewers), s.waiting_since]
                            for s in entry.steps
                        ],
                        entry.detail_at,
                    ]
                    for art_id, entry in snapshot.artifacts.items()
                },
            },
            separators=(",", ":"),
        )

    @staticmethod
    def _decode(raw: str) -> IndexSnapshot:
        data = json.loads(raw)
        artifacts = {}
        for art_id, (name, bp_id, modified_on, modified_by, steps, *rest) in data["artifacts"].items():
            artifacts[art_id] = ArtifactEntry(
                name,
                bp_id,
                modified_on,
                modified_by,
                tuple(
                    IndexedStep(art_id, name, bp_id, sid, sname, status, deleg, frozenset(revs), since)
                    for sid, sname, status, deleg, revs, since in steps
                ),
                rest[0] if rest else None,  # entries written before detail_at existed have none
            )
        return IndexSnapshot(built_at=data["built_at"], artifacts=artifacts)
