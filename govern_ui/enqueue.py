"""Sending the reviewers' workspace tasks: the only module that does, by name (`portal.tasknames`), after commit.

Nothing imports `govern_ui.tasks` but Celery, so no import cycle can form through it.
"""

from __future__ import annotations

from govern_ui.bundle_governance import BundleGovernanceCache, GovernanceSnapshot
from portal import tasknames
from portal.lib.tasks import request_fill_once


def refresh_bundle_governance_if_cold(store: BundleGovernanceCache, snapshot: GovernanceSnapshot | None) -> bool:
    """When a reader (the wall) finds no bundle sign-off states (`snapshot` None), ask for one refresh unless one
    runs, however many readers ask. True when this call sent the task."""
    if snapshot is not None or store.lock().held():
        return False
    return request_fill_once(store.asked, tasknames.REFRESH_BUNDLE_GOVERNANCE, on_demand=True)
