"""The home page's numbers: one section per upstream, fetched in parallel, each cached briefly in Redis.

A section whose upstream fails carries the error instead of numbers, so the page can name the upstream in a banner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.db import connections
from django.utils import timezone

from deployer_ui.overview import api_services_summary, deployment_summary
from govern_ui.overview import summary as govern_summary
from portal.upstream import UpstreamError

log = logging.getLogger(__name__)
CACHE_SECONDS = 20


@dataclass
class Section:
    key: str
    upstream: str
    data: dict = field(default_factory=dict)
    error: str = ""
    fetched_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return not self.error


# (upstream name, summary function, seconds the section is kept here). Deployer and API-node summaries read caches
# that workers keep, but counting thousands of snapshots on every view of every screen adds up: a few seconds here
# makes a hundred screens cost one count. Govern's may call Govern for the artifact list, so it is kept longer.
SECTIONS: dict[str, tuple[str, Callable[[], dict], int]] = {
    "govern": ("Govern", govern_summary, CACHE_SECONDS),
    "deployer": ("Project Deployer", deployment_summary, 5),
    "apinodes": ("API nodes", api_services_summary, 5),
}
LOADING_OR_FAILED_SECONDS = 5


def _fetch(key: str) -> Section:
    upstream, fn, keep_seconds = SECTIONS[key]
    cache_key = f"overview:{key}"
    if (cached := cache.get(cache_key)) is not None:
        return cached
    try:
        section = Section(key, upstream, data=fn(), fetched_at=timezone.now())
    except UpstreamError as exc:
        log.warning("overview: %s", exc)
        section = Section(key, upstream, error=f"{exc.upstream or upstream} {exc.message}", fetched_at=timezone.now())
    # Failures are kept too, briefly, so a hundred screens do not hammer an upstream that is down; a section still
    # loading is kept briefly, so the numbers appear soon after the workers fill their caches.
    current = section.ok and not section.data.get("loading")
    cache.set(cache_key, section, keep_seconds if current else min(keep_seconds, LOADING_OR_FAILED_SECONDS))
    return section


def _fetch_in_thread(key: str) -> Section:
    try:
        return _fetch(key)
    finally:
        # Django opens one connection per thread; a pool thread's would otherwise outlive the request.
        connections.close_all()


def overview() -> list[Section]:
    with ThreadPoolExecutor(max_workers=len(SECTIONS)) as pool:
        return list(pool.map(_fetch_in_thread, SECTIONS))
