"""Reading the Govern mirror for pages (the queue, its badge, the artifact list, the home counts) and gauges: never
a Govern call, always with the age of what is shown.

The mirror's age is the time of the oldest reading behind the open steps (the artifact with undecided steps read
longest ago), or, when none is undecided, the reader's last contact with Govern: what a reviewer sees can be that old,
and no fresher. It is stale when Govern could not be read at the last attempt, or when it is older than
`STALE_INTERVALS` × GOVERN_SYNC_OPEN_SECONDS (the reader stopped or fell behind its budget).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min, Q

from govern_ui.client import SignOff
from govern_ui.index import ArtifactEntry, Directory, IndexSnapshot, build_entry
from govern_ui.mirror import listing
from govern_ui.models import MirroredArtifact, MirrorState
from portal.lib.freshness import age_and_staleness, to_datetime

ENTRY_FIELDS = ("artifact_id", "name", "blueprint_id", "created_on", "created_by", "modified_on", "modified_by",
                "sign_offs", "owners", "named_reviewers", "assignees", "visited_at")


@dataclass(frozen=True)
class MirrorAge:
    """How old what the mirror shows is (`Freshness`'s names, so templates read it the same way)."""

    as_of: float | None  # epoch seconds of the oldest reading shown; None: the mirror was never filled
    age_seconds: int | None
    stale: bool
    error: str = ""
    down_since: datetime | None = None
    unread: int = 0  # artifacts Govern lists that the reader has not read yet (the first sync is under way)

    @property
    def loading(self) -> bool:
        return self.as_of is None

    @property
    def since(self) -> datetime | None:
        return to_datetime(self.as_of)


def _state() -> MirrorState | None:
    return MirrorState.objects.filter(pk=1).first()


def age(state: MirrorState | None = None, at: float | None = None) -> MirrorAge:
    """The mirror's age now (see the module)."""
    state = state if state is not None else _state()
    at = time.time() if at is None else at
    if state is None or state.listed_at is None and state.last_success_at is None:
        return MirrorAge(None, None, bool(state and state.last_error), state.last_error if state else "")
    # One pass over an index (mirror_age_idx): the oldest reading behind open steps, and the artifacts never read.
    found = MirroredArtifact.objects.live().aggregate(
        oldest=Min("visited_at", filter=Q(open_steps__gt=0)), unread=Count("id", filter=Q(visited_at__isnull=True)))
    reference = found["oldest"] or state.last_success_at or state.listed_at
    as_of = reference.timestamp() if reference else None
    age_s, stale = age_and_staleness(as_of, state.last_error, settings.GOVERN_SYNC_OPEN_SECONDS, at)
    return MirrorAge(as_of, age_s, stale, state.last_error, state.down_since, found["unread"])


def lag_seconds() -> float | None:
    """The "Govern mirror lag" gauge: seconds the mirror's oldest shown reading is behind now (None: never filled)."""
    found = age()
    return None if found.as_of is None else max(0.0, time.time() - found.as_of)


def directory(state: MirrorState | None) -> Directory:
    data = (state.directory if state else None) or {}
    return Directory(frozenset(data.get("signers", ())), dict(data.get("names", {})), dict(data.get("blueprints", {})))


def _entry(row: dict) -> ArtifactEntry:
    sign_offs = [SignOff.from_json(s) for s in row["sign_offs"]]
    detail_at = row["visited_at"].timestamp() if row["visited_at"] else None
    return build_entry(
        row["artifact_id"], row["name"], row["blueprint_id"], row["created_on"], row["modified_on"],
        row["modified_by"], sign_offs, detail_at, created_by=row["created_by"], owners=frozenset(row["owners"]),
        named_reviewers=tuple(row["named_reviewers"]), assignees=row["assignees"],
    )


_cache_lock = threading.Lock()
_cache: dict[str, tuple[tuple, Any]] = {}  # "queue": IndexSnapshot, "choices": the list's filter choices


def snapshot() -> IndexSnapshot | None:
    """Every artifact with undecided steps as queue entries, with the directory; `built_at` is the mirror's age
    (`as_of`). None while the mirror was never filled. Decoded once per process until a row changes."""
    state = _state()
    mirror_age = age(state)
    if mirror_age.as_of is None:
        return None
    stamp = _rows_stamp() + (state.directory_at,)
    with _cache_lock:
        cached = _cache.get("queue")
    if cached is not None and cached[0] == stamp:
        entries = cached[1].artifacts
    else:
        rows = MirroredArtifact.objects.with_open_steps().values(*ENTRY_FIELDS)
        entries = {row["artifact_id"]: _entry(row) for row in rows}
    result = IndexSnapshot(mirror_age.as_of, entries, directory(state), stamp=stamp)
    with _cache_lock:
        _cache["queue"] = (stamp, result)
    return result


def entry(artifact_id: str) -> tuple[ArtifactEntry | None, Directory]:
    """One mirrored artifact's entry (None when not mirrored or removed) and the directory."""
    row = MirroredArtifact.objects.live().filter(artifact_id=artifact_id).values(*ENTRY_FIELDS).first()
    return (_entry(row) if row and row["visited_at"] else None), directory(_state())


def _rows_stamp() -> tuple:
    """Changes whenever a mirrored row is added or what pages show of one changes (`shown_at`, removal included)."""
    return tuple(MirroredArtifact.objects.aggregate(n=Count("id"), last=Max("shown_at")).values())


def filled() -> bool:
    """Whether the mirror has listed Govern's artifacts (pages read it; before, a new installation reads Govern)."""
    state = _state()
    return state is not None and (state.listed_at is not None or MirroredArtifact.objects.exists())


def choices() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The artifact list's filter choices (`listing.choices`), read once per process until a row changes."""
    stamp = _rows_stamp()
    with _cache_lock:
        cached = _cache.get("choices")
    if cached is not None and cached[0] == stamp:
        return cached[1]
    found = listing.choices()
    with _cache_lock:
        _cache["choices"] = (stamp, found)
    return found


def counts() -> tuple[int, int]:
    """(live artifacts, undecided steps) in the mirror."""
    live = MirroredArtifact.objects.live()
    return live.count(), sum(live.filter(open_steps__gt=0).values_list("open_steps", flat=True))
