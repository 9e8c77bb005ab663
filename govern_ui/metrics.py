"""The reviewers' gauges for /metrics and /readyz: pending review actions and the Govern mirror's lag."""

from __future__ import annotations

from govern_ui.mirror import read as mirror
from govern_ui.models import ReviewAction


def pending_review_actions() -> int:
    """Review actions recorded and not yet delivered to Govern."""
    return ReviewAction.objects.pending().count()


def mirror_lag() -> float | None:
    """Seconds the Govern mirror's oldest shown reading is behind now; None while it was never filled."""
    return mirror.lag_seconds()


def cache_ages() -> dict[str, float | None]:
    """The Govern mirror's lag, among the cache ages /readyz reports."""
    return {"govern-mirror": mirror.lag_seconds()}
