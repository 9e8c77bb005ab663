"""The home page's numbers: one section per registered upstream (`portal.lib.home`), fetched in parallel, each
cached briefly in Redis.

A section whose upstream fails carries the error instead of numbers, so the page can name the upstream in a banner.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.db import connections
from django.utils import timezone

from portal.lib import home
from portal.lib.upstream import UpstreamError
from portal.lib.web import upstream_error_text

log = logging.getLogger(__name__)
CACHE_SECONDS = 20


@dataclass
class Section:
    key: str
    upstream: str
    template: str
    data: dict = field(default_factory=dict)
    error: str = ""
    fetched_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return not self.error


LOADING_OR_FAILED_SECONDS = 5


def _fetch(registered: home.HomeSection) -> Section:
    key, upstream, keep_seconds = registered.key, registered.upstream, registered.keep_seconds
    cache_key = f"overview:{key}"
    if (cached := cache.get(cache_key)) is not None:
        return cached
    try:
        section = Section(key, upstream, registered.template, data=registered.summary(), fetched_at=timezone.now())
    except UpstreamError as exc:
        log.warning("overview: %s", exc)
        section = Section(key, upstream, registered.template, error=upstream_error_text(exc, upstream),
                          fetched_at=timezone.now())
    # Failures are kept too, briefly, so a hundred screens do not hammer an upstream that is down; a section still
    # loading is kept briefly, so the numbers appear soon after the workers fill their caches.
    current = section.ok and not section.data.get("loading")
    cache.set(cache_key, section, keep_seconds if current else min(keep_seconds, LOADING_OR_FAILED_SECONDS))
    return section


def _fetch_in_thread(registered: home.HomeSection) -> Section:
    try:
        return _fetch(registered)
    finally:
        # Django opens one connection per thread; a pool thread's would otherwise outlive the request.
        connections.close_all()


def overview() -> list[Section]:
    registered = home.sections()
    if not registered:
        return []
    with ThreadPoolExecutor(max_workers=len(registered)) as pool:
        return list(pool.map(_fetch_in_thread, registered))
