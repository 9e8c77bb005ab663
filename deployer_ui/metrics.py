"""The operators' gauges for /metrics and /readyz: updates in flight and the age of each status cache."""

from __future__ import annotations

import time

from deployer_ui.models import DeploymentUpdate
from deployer_ui.node_cache import NodeStatusCache
from deployer_ui.status_cache import StatusCache


def updates_in_flight() -> int:
    """Deployment updates whose future is running upstream."""
    return DeploymentUpdate.objects.running().count()


def cache_ages() -> dict[str, float | None]:
    """Seconds since the last finished status refresh cycle, and since each API node's last good sample."""
    finished = StatusCache().cycle().finished_at
    ages: dict[str, float | None] = {"deployment-status": time.time() - finished.timestamp() if finished else None}
    for view in NodeStatusCache().all_views():
        ages[f"api-node:{view.id}"] = view.age_seconds
    return ages
