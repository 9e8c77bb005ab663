"""The home page's sections, registered by the apps that own them (as NetBox registers dashboard widgets), so the
portal shows every upstream's numbers without importing a feature app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HomeSection:
    key: str  # also the cache key and the card's DOM id
    upstream: str  # the name shown on the card and in the banner when `summary` raises `UpstreamError`
    summary: Callable[[], dict]  # the section's numbers; may raise `UpstreamError`
    template: str  # the card's body, given `section`
    keep_seconds: int  # how long one computed section is shared by every screen
    order: int = 100


_sections: dict[str, HomeSection] = {}


def register(section: HomeSection) -> None:
    """Add (or replace, on a re-import) a section. Called from an app's `AppConfig.ready`."""
    _sections[section.key] = section


def sections() -> list[HomeSection]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))
