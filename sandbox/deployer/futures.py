"""Deployer long-running tasks (futures) for deployment updates, running in wall time.

A future's progress is derived from elapsed time whenever it is read; ``advance`` finishes the due ones and
applies their outcome to the deployment. Callers hold the store lock.
"""

from __future__ import annotations

import random
import string
import time

from sandbox.clock import now_ms
from sandbox.seed import health_messages, version_tag
from sandbox.state import Store

PROGRESS_NAME = "Updating deployment"
PROGRESS_STEPS = 4
_ids = random.Random()  # job ids need only be unique, not reproducible


def outcome_for(deployment_id: str, bundle_id: str = "", failing_bundles: tuple = ()) -> str:
    """How an update of this deployment ends: ``-fails`` ids fail, and so does any deployment whose settings name a
    bundle of the ``failing_bundles`` config (a bad bundle, which a rollback gets away from); ``-warns`` ids warn,
    others succeed."""
    if deployment_id.endswith("-fails") or (bundle_id and bundle_id in failing_bundles):
        return "error"
    if deployment_id.endswith("-warns"):
        return "warning"
    return "success"


def start(store: Store, deployment_id: str, owner: str, synchronous: bool) -> dict:
    """Create the update future of a deployment; a synchronous one is finished before returning."""
    dep = store.dss["deployments"].get(deployment_id)
    bundle_id = dep["settings"]["bundleId"] if dep else ""
    job_id = "".join(_ids.choices(string.ascii_letters + string.digits, k=8))
    while job_id in store.futures:
        job_id = "".join(_ids.choices(string.ascii_letters + string.digits, k=8))
    future = {
        "jobId": job_id,
        "deploymentId": deployment_id,
        "owner": owner,
        "startTime": now_ms(),
        "started": time.monotonic(),
        "duration": 0.0 if synchronous else float(store.config["future_seconds"]),
        "outcome": outcome_for(deployment_id, bundle_id, tuple(store.config.get("failing_bundles") or ())),
        "state": "running",
        "result": None,
        "endedAfterMs": None,
    }
    store.futures[job_id] = future
    if synchronous:
        _finish(store, future)
    return future


def _elapsed(future: dict) -> float:
    return time.monotonic() - future["started"]


def view(future: dict) -> dict:
    """The Future JSON (spec schema ``DeploymentUpdateFuture``)."""
    running = future["state"] == "running"
    done = future["state"] == "done"
    running_ms = int(_elapsed(future) * 1000) if running else future["endedAfterMs"]
    duration_ms = future["duration"] * 1000
    fraction = min(1.0, running_ms / duration_ms) if duration_ms > 0 else 1.0
    # Step k of 4 while running; the last step is only reported once the result exists.
    cur = PROGRESS_STEPS if done else min(PROGRESS_STEPS - 1, int(fraction * PROGRESS_STEPS))
    body = {
        "jobId": future["jobId"],
        "hasResult": done,
        "aborted": future["state"] == "aborted",
        "alive": running,
        "owner": future["owner"],
        "startTime": future["startTime"],
        "runningTime": running_ms,
        "unknown": False,
        "progress": [{"name": PROGRESS_NAME, "unit": "STEPS", "target": PROGRESS_STEPS, "cur": cur}],
    }
    if done:
        body["result"] = future["result"]
    return body


def advance(store: Store) -> None:
    """Finish every running future whose time is up."""
    for future in store.futures.values():
        if future["state"] == "running" and _elapsed(future) >= future["duration"]:
            _finish(store, future)


def abort(future: dict) -> None:
    """Abort a running future; finished or aborted ones are left as they are."""
    if future["state"] == "running":
        future["state"] = "aborted"
        future["endedAfterMs"] = int(_elapsed(future) * 1000)


def busy_deployments(store: Store) -> set:
    """Ids of deployments with an update in flight."""
    return {f["deploymentId"] for f in store.futures.values() if f["state"] == "running"}


def _report(messages=(), **flags) -> dict:
    report = {"messages": list(messages), "anyMessage": bool(messages), "success": False, "warning": False,
              "error": False, "fatal": False}
    report.update(flags)
    return report


def _finish(store: Store, future: dict) -> None:
    """Compute the update result and apply it to the deployment (if it still exists)."""
    future["state"] = "done"
    future["endedAfterMs"] = int(future["duration"] * 1000)
    dep = store.dss["deployments"].get(future["deploymentId"])
    bundle_id = dep["settings"]["bundleId"] if dep else ""
    outcome = future["outcome"] if dep else "error"
    prepare = _report(success=True)
    preload = _report(success=True)
    check = {**_report(success=True), "bundleId": bundle_id}
    activate = {**_report(success=True), "neededAMigration": False}
    if outcome == "warning":
        preload = _report(
            [{"severity": "WARNING", "title": "Code env out of date",
              "message": f"Code env py39_automation was rebuilt while preloading bundle {bundle_id}"}],
            success=True, warning=True,
        )
    elif outcome == "error":
        reason = (f"Scenario activation failed on the automation node for bundle {bundle_id}" if dep
                  else f"Deployment {future['deploymentId']} was deleted during the update")
        activate = {
            **_report([{"severity": "ERROR", "title": "Activation failed", "message": reason}], error=True),
            "neededAMigration": False,
        }
    future["result"] = [
        {"prepareSyncReport": prepare, "preloadReport": preload, "activateCheckReport": check,
         "activateReport": activate}
    ]
    if dep is None:
        return
    dep_id = future["deploymentId"]
    if outcome == "error":
        dep["health"] = "ERROR"
        dep["healthMessages"] = activate["messages"] + health_messages("ERROR", dep_id)
        dep["monitoring"]["failed"] = sorted(set(dep["monitoring"]["failed"]) | {"REFRESH_DATA"})
        return
    dep["health"] = "WARNING" if outcome == "warning" else "HEALTHY"
    dep["healthMessages"] = preload["messages"] if outcome == "warning" else []
    dep["deployedBundleId"] = bundle_id
    dep["neverEverDeployed"] = False
    dep["hasActiveScenarios"] = any(dep["settings"]["scenariosToActivate"].values())
    tag = dep["settings"]["versionTag"]
    dep["settings"]["versionTag"] = version_tag(tag["versionNumber"] + 1, future["owner"], now_ms())
