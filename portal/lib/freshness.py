"""How old a cached snapshot is and whether a page should call it stale: one rule for deployments and API nodes.

Snapshots store epoch seconds: `fetched_at` (the last attempt), `last_success_at` (the last good reading) and
`error` (of the last attempt, "" when it succeeded). A snapshot is stale when its last attempt failed, or when its
last good reading is older than `STALE_INTERVALS` refresh intervals (the refresh has stopped or fallen behind).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

STALE_INTERVALS = 3
LOADING = "LOADING"


def now() -> float:
    return time.time()


@lru_cache(maxsize=16384)
def to_datetime(epoch: float | None) -> datetime | None:
    """The aware UTC datetime of epoch seconds (None for none). Cached: a dashboard converts the same few thousand
    snapshot times on every view until they are refreshed."""
    return datetime.fromtimestamp(epoch, tz=UTC) if epoch else None


def age_and_staleness(last_success_at: float | None, error: str, interval: int, at: float) -> tuple[int | None, bool]:
    """(age in whole seconds of the last good reading or None if there never was one, stale) as of epoch `at`."""
    age = int(at - last_success_at) if last_success_at else None
    return age, bool(error) or (age is not None and age > STALE_INTERVALS * interval)


@dataclass(kw_only=True)
class Freshness:
    """The fields and properties every cached view shares (pages and templates read them by these names)."""

    health: str = LOADING
    fetched_at: datetime | None = None
    last_success_at: datetime | None = None
    error: str = ""
    age_seconds: int | None = None
    stale: bool = False

    @property
    def loading(self) -> bool:
        """Nothing was ever read successfully (cold cache, or every attempt so far failed)."""
        return self.last_success_at is None

    @property
    def health_class(self) -> str:
        return "loading" if self.loading else self.health.lower()

    @property
    def since(self) -> datetime | None:
        """When the shown status was last known good (what "since hh:mm" names on a stale tile or node)."""
        return self.last_success_at

    @classmethod
    def fields_from(cls, data: dict, interval: int, at: float) -> dict:
        """The freshness fields of a view, from a stored snapshot (epoch seconds) as of epoch `at`."""
        last_success = data.get("last_success_at")
        error = data.get("error") or ""
        age, stale = age_and_staleness(last_success, error, interval, at)
        return {"fetched_at": to_datetime(data.get("fetched_at")), "last_success_at": to_datetime(last_success),
                "error": error, "age_seconds": age, "stale": stale}
