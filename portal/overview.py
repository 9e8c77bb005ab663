"""The home page's sections: one per registered upstream (`portal.lib.home`), computed in parallel and shared briefly by
every screen through Redis, each with the age of its numbers and, when its source is down, its last known numbers
marked stale.

- A section's age is the time its numbers were read from the upstream, as given by the cache or mirror that holds
  them (`as_of` in the summary), never the time the page was drawn.
- When the upstream is down (the summary raises `UpstreamError`, or says `down`), the section shows the last numbers
  it knew, from its mirror (`OverviewCache.last`), marked stale with their age; the page names each upstream that is
  down once, in one banner.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connections

from portal.lib import home
from portal.lib.freshness import to_datetime
from portal.lib.snapshot import RedisSnapshot
from portal.lib.upstream import UpstreamError

log = logging.getLogger(__name__)
LOADING_OR_FAILED_SECONDS = 5
MIRROR_SECONDS = 7 * 24 * 3600
UNREACHABLE = "cannot be reached"


def age_text(seconds: float | None) -> str:
    """An age in one short unit: 12 → "12 s", 190 → "3 min", 7300 → "2 h", 200000 → "2 d"."""
    if seconds is None:
        return "—"
    seconds = max(0, int(seconds))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} d"


@dataclass
class Section:
    key: str
    upstream: str
    template: str
    data: dict = field(default_factory=dict)  # the numbers: current, or the last known when `down`
    as_of: float | None = None  # epoch seconds when the numbers were read from the upstream
    down: str = ""  # why the upstream cannot give its numbers now, without its name ("" when it can)

    @property
    def ok(self) -> bool:
        return not self.down

    @property
    def stale(self) -> bool:
        """Its source is down: the numbers shown (if any) are the last known."""
        return bool(self.down)

    @property
    def as_of_time(self) -> datetime | None:
        return to_datetime(self.as_of)

    @property
    def age_seconds(self) -> int | None:
        return None if self.as_of is None else max(0, int(time.time() - self.as_of))

    @property
    def age(self) -> str:
        return age_text(self.age_seconds)

    @property
    def detail(self) -> str:
        """What went wrong, as a sentence, when it says more than the banner's "<upstream> cannot be reached"."""
        reason = self.down.strip().rstrip(".")
        if not reason or reason == UNREACHABLE:
            return ""
        return reason[0].upper() + reason[1:] + "."

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "upstream": self.upstream, "template": self.template, "data": self.data,
                "as_of": self.as_of, "down": self.down}

    @classmethod
    def from_json(cls, value: Any) -> Section | None:
        if not isinstance(value, dict) or not isinstance(value.get("data"), dict):
            return None
        return cls(key=str(value.get("key", "")), upstream=str(value.get("upstream", "")),
                   template=str(value.get("template", "")), data=value["data"], as_of=value.get("as_of"),
                   down=str(value.get("down") or ""))


class OverviewCache(RedisSnapshot):
    """The shared sections (`overview:<key>`, kept a few seconds) and each section's mirror of its last good numbers
    with their time (`overview:last:<key>`, kept a week), as JSON."""

    PREFIX = "overview"

    def __init__(self) -> None:
        super().__init__(ttl=MIRROR_SECONDS)

    def shared(self, key: str) -> Section | None:
        return Section.from_json(self.read(key))

    def share(self, section: Section, seconds: int) -> None:
        self.write(section.to_json(), section.key, ttl=max(1, seconds))

    def last(self, key: str) -> tuple[dict, float | None] | None:
        value = self.read("last", key)
        if not isinstance(value, dict) or not isinstance(value.get("data"), dict):
            return None
        return value["data"], value.get("as_of")

    def remember(self, section: Section) -> None:
        self.write({"data": section.data, "as_of": section.as_of}, "last", section.key)


def _as_of(value: Any, default: float) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def _compute(registered: home.HomeSection, cache: OverviewCache) -> Section:
    section = Section(registered.key, registered.upstream, registered.template)
    now = time.time()
    try:
        data = dict(registered.summary())
    except UpstreamError as exc:
        log.warning("overview: %s", exc)
        section.down = exc.message or UNREACHABLE
        data = None
    if data is not None:
        section.as_of = _as_of(data.pop("as_of", None), now)
        section.down = str(data.pop("down", "") or "")
        section.data = data
        if not section.down and not data.get("loading"):
            cache.remember(section)
    if section.down and not section.data:
        last = cache.last(registered.key)
        if last is not None:
            section.data, section.as_of = last
    return section


def _fetch(registered: home.HomeSection) -> Section:
    cache = OverviewCache()
    shared = cache.shared(registered.key)
    if shared is not None:
        shared.template = registered.template  # what to include is the code's to say, never the cache's
        return shared
    section = _compute(registered, cache)
    # Failures are kept too, briefly, so a hundred screens do not hammer an upstream that is down; a section still
    # loading is kept briefly, so the numbers appear soon after the workers fill their caches.
    current = section.ok and not section.data.get("loading")
    keep = registered.keep_seconds
    cache.share(section, keep if current else min(keep, LOADING_OR_FAILED_SECONDS))
    return section


def _fetch_in_thread(registered: home.HomeSection) -> Section:
    try:
        return _fetch(registered)
    finally:
        # Django opens one connection per thread; a pool thread's would otherwise outlive the request.
        connections.close_all()


def overview() -> list[Section]:
    """Every registered section, in order."""
    registered = home.sections()
    if not registered:
        return []
    with ThreadPoolExecutor(max_workers=len(registered)) as pool:
        return list(pool.map(_fetch_in_thread, registered))


def down_once(sections: list[Section]) -> list[Section]:
    """The sections whose upstream is down, one per upstream: what the page's banners name."""
    seen: set[str] = set()
    found = []
    for section in sections:
        if section.stale and section.upstream not in seen:
            seen.add(section.upstream)
            found.append(section)
    return found
