"""Time passing in the Deployer: each tick finishes due futures and, with drift on, changes a few healths; the
control API's health knob changes one on demand."""

from __future__ import annotations

import time

from sandbox.deployer import futures
from sandbox.http import bad_request, not_found
from sandbox.seed import HEALTH_VALUES, health_messages, monitoring_for
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


def set_health(store: Store, deployment_id: str, health: str) -> dict:
    """The control API's health knob: one deployment's health (messages and monitoring to match), as if its
    automation node had reported it. Raises `ApiError` 404 for an unknown deployment, 400 for an unknown health."""
    if health not in HEALTH_VALUES:
        raise bad_request(f"unknown health {health!r} (one of {', '.join(HEALTH_VALUES)})")
    with store.lock:
        try:
            dep = store.dss["deployments"][deployment_id]
        except KeyError:
            raise not_found("Deployment", deployment_id) from None
        dep["health"] = health
        dep["healthMessages"] = health_messages(health, deployment_id, dep["settings"]["bundleId"],
                                                dep["deployedBundleId"] or "")
        dep["monitoring"] = monitoring_for(store.drift_rng, health)
        return {"deployment": deployment_id, "health": health}
