"""The home page's sections, registered by the apps that own them (as NetBox registers dashboard widgets), so the
portal shows every upstream's numbers without importing a feature app.

A section's `summary()` returns its numbers as a dict of JSON values (the card's template reads them), plus two
optional keys that `portal.overview` takes out:
- `as_of`: when the numbers were read from the upstream, as the cache or mirror holding them knows it (epoch seconds
  or an aware datetime; the oldest, when they come from several); without it, they count as read now.
- `down`: why the upstream cannot give its numbers now, without naming it (e.g. "cannot be reached"); the numbers
  returned are then the last known ones, shown stale, and the page names the upstream in its banner.
It raises `UpstreamError` when it has no numbers at all; the page then shows the last numbers it saw, stale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HomeSection:
    key: str  # also the cache key and the card's DOM id
    upstream: str  # the name shown on the card and in the banner when `summary` raises `UpstreamError`
    summary: Callable[[], dict]  # the section's numbers (JSON values), see below; may raise `UpstreamError`
    template: str  # the card's body, given `section`
    keep_seconds: int  # how long one computed section is shared by every screen
    order: int = 100


_sections: dict[str, HomeSection] = {}


def register(section: HomeSection) -> None:
    """Add (or replace, on a re-import) a section. Called from an app's `AppConfig.ready`."""
    _sections[section.key] = section


def sections() -> list[HomeSection]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))
