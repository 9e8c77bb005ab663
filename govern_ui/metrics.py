"""The reviewers' gauges for /metrics and /readyz: pending review actions and the sign-off index's age."""

from __future__ import annotations

import time

from govern_ui.index import SignOffIndex
from govern_ui.models import ReviewAction


def pending_review_actions() -> int:
    """Review actions recorded and not yet delivered to Govern."""
    return ReviewAction.objects.pending().count()


def cache_ages() -> dict[str, float | None]:
    """Seconds since the sign-off index (my queue, the badge) was built; None when it is cold."""
    snapshot = SignOffIndex().load()
    return {"signoff-index": time.time() - snapshot.built_at if snapshot else None}
