"""Time passing in the Deployer: each tick finishes due futures and, with drift on, changes a few healths."""

from __future__ import annotations

import time

from sandbox.deployer import futures
from sandbox.seed import HEALTH_VALUES, health_messages
from sandbox.state import Store

DRIFT_BATCH = 2  # deployments whose health changes per drift tick


def tick(store: Store) -> None:
    """Finish due futures and, with drift on, move a few idle deployments to another health."""
    futures.advance(store)
    if not store.config["drift"] or time.monotonic() - store.last_drift < store.config["drift_seconds"]:
        return
    store.last_drift = time.monotonic()
    busy = futures.busy_deployments(store)
    idle = [dep for dep_id, dep in store.dss["deployments"].items() if dep_id not in busy]
    for dep in store.drift_rng.sample(idle, min(DRIFT_BATCH, len(idle))):
        health = store.drift_rng.choice([h for h in HEALTH_VALUES if h != dep["health"]])
        dep["health"] = health
        dep["healthMessages"] = health_messages(health, dep["settings"]["id"], dep["settings"]["bundleId"],
                                                dep["deployedBundleId"] or "")
