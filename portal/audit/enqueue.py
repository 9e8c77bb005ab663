"""The only place that sends the history store's tasks, by name, after commit."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.utils import timezone

from portal import tasknames
from portal.lib.tasks import send_after_commit

# When an admin last asked for a verification: the page says "requested" until a run starts after it. The TTL keeps
# a request that no worker took from showing for ever.
REQUESTED_KEY = "audit:verify:requested-at"
REQUESTED_TTL = 600


def request_verification(requested_by: str) -> None:
    cache.set(REQUESTED_KEY, timezone.now().isoformat(), REQUESTED_TTL)
    send_after_commit(tasknames.VERIFY_AUDIT_CHAIN, requested_by=requested_by)


def verification_requested_at() -> dt.datetime | None:
    value = cache.get(REQUESTED_KEY)
    try:
        return dt.datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
