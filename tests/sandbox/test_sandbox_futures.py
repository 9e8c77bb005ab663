"""Deployment updates run as futures in wall time (the session sandbox uses --future-seconds 0.6)."""

from __future__ import annotations

import time

import requests

UPDATE = "/project-deployer/deployments/{}/actions/update"
REPORTS = {"prepareSyncReport", "preloadReport", "activateCheckReport", "activateReport"}


def wait_done(dss, job_id: str, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        future = dss.get(f"/futures/{job_id}", params={"peek": "true"}).json()
        if not future["alive"]:
            return future
        time.sleep(0.05)
    raise AssertionError(f"future {job_id} still alive after {timeout}s")


def status(dss, dep_id: str) -> dict:
    return dss.get(f"/project-deployer/deployments/{dep_id}/status").json()


def version_number(dss, dep_id: str) -> int:
    return dss.get(f"/project-deployer/deployments/{dep_id}/settings").json()["versionTag"]["versionNumber"]


def test_async_update_runs_then_finishes(sb, dss):
    sb.config(future_seconds=2.0)  # long enough to observe it midway even on a slow machine
    dep_id = next(d for d in ("churn-prod", "fraud-dev") if status(dss, d)["health"] != "HEALTHY")
    before = version_number(dss, dep_id)
    started = time.monotonic()
    # No body means asynchronous (README); the spec marks the body required, so only the response is checked.
    response = dss.post(UPDATE.format(dep_id), check=False)
    dss.validator.validate_response(response)
    future = response.json()
    assert (future["alive"], future["hasResult"], future["aborted"]) == (True, False, False)
    assert future["progress"] == [{"name": "Updating deployment", "unit": "STEPS", "target": 4, "cur": 0}]
    listed = dss.get("/futures/", params={"allUsers": "true", "withScenarios": "false"}).json()
    assert [f["jobId"] for f in listed] == [future["jobId"]]
    time.sleep(0.8)
    midway = dss.get(f"/futures/{future['jobId']}", params={"peek": "false"}).json()
    assert midway["alive"] and 1 <= midway["progress"][0]["cur"] < 4
    assert midway["runningTime"] >= 800
    done = wait_done(dss, future["jobId"])
    assert time.monotonic() - started >= 1.9
    assert done["hasResult"] and not done["aborted"] and done["progress"][0]["cur"] == 4
    assert len(done["result"]) == 1 and set(done["result"][0]) == REPORTS
    assert all(report["success"] and not report["error"] for report in done["result"][0].values())
    assert status(dss, dep_id)["health"] == "HEALTHY"
    assert version_number(dss, dep_id) == before + 1
    assert dss.get("/futures/", params={"allUsers": "true", "withScenarios": "false"}).json() == []
    assert dss.get(f"/futures/{future['jobId']}", params={"peek": "true"}).json()["hasResult"]


def test_sync_update_answers_finished_future(dss):
    future = dss.post(UPDATE.format("fraud-prod"), json={"synchronous": True}).json()
    assert (future["alive"], future["hasResult"]) == (False, True)
    assert set(future["result"][0]) == REPORTS


def test_fails_deployment_ends_in_error(dss):
    before = version_number(dss, "pricing-prod-fails")
    future = dss.post(UPDATE.format("pricing-prod-fails"), json={"synchronous": False}).json()
    done = wait_done(dss, future["jobId"])
    activate = done["result"][0]["activateReport"]
    assert activate["error"] is True and activate["success"] is False and activate["anyMessage"] is True
    assert activate["messages"][0]["severity"] == "ERROR" and activate["messages"][0]["message"]
    after = status(dss, "pricing-prod-fails")
    assert after["health"] == "ERROR" and after["healthMessages"]
    assert version_number(dss, "pricing-prod-fails") == before


def test_warns_deployment_ends_with_warning(dss):
    done = dss.post(UPDATE.format("reco-test-warns"), json={"synchronous": True}).json()
    preload = done["result"][0]["preloadReport"]
    assert preload["warning"] and preload["anyMessage"] and preload["messages"][0]["severity"] == "WARNING"
    assert status(dss, "reco-test-warns")["health"] == "WARNING"


def test_abort(dss, future_seconds):
    before = status(dss, "churn-test")
    future = dss.post(UPDATE.format("churn-test"), json={"synchronous": False}).json()
    aborted = dss.delete(f"/futures/{future['jobId']}").json()
    assert (aborted["aborted"], aborted["alive"], aborted["hasResult"]) == (True, False, False)
    time.sleep(future_seconds + 0.3)
    again = dss.get(f"/futures/{future['jobId']}", params={"peek": "false"}).json()
    assert (again["aborted"], again["alive"], again["hasResult"]) == (True, False, False)
    assert status(dss, "churn-test")["health"] == before["health"]


def test_future_duration_follows_config(sb, dss, future_seconds):
    sb.config(future_seconds=5)
    future = dss.post(UPDATE.format("churn-dev"), json={}).json()
    time.sleep(future_seconds + 0.3)
    assert dss.get(f"/futures/{future['jobId']}", params={"peek": "false"}).json()["alive"] is True
    sb.reset()
    assert sb.config()["future_seconds"] == future_seconds  # reset restores the command-line config


def test_bundle_change_makes_deployment_out_of_sync(dss):
    settings = dss.get("/project-deployer/deployments/churn-dev/settings").json()
    bundles = dss.get("/project-deployer/projects/CHURN").json()["projectBasicInfo"]["bundleIds"]
    settings["bundleId"] = next(b for b in bundles if b != settings["bundleId"])
    dss.put("/project-deployer/deployments/churn-dev/settings", json=settings)
    assert status(dss, "churn-dev")["health"] == "OUT_OF_SYNC"


def test_health_drift(sb, dss):
    def healths():
        return {d["deploymentBasicInfo"]["id"]: status(dss, d["deploymentBasicInfo"]["id"])["health"]
                for d in dss.get("/project-deployer/deployments").json()}

    before = healths()
    sb.config(drift=True, drift_seconds=0.2)
    time.sleep(0.7)
    sb.config(drift=False)
    time.sleep(0.15)  # let a tick that was already running finish
    assert healths() != before


def test_a_failing_bundle_fails_any_deployment_and_another_bundle_succeeds(sb, dss):
    settings = dss.get("/project-deployer/deployments/churn-dev/settings").json()
    good = settings["bundleId"]
    bad = next(b for b in dss.get("/project-deployer/projects/CHURN").json()["projectBasicInfo"]["bundleIds"]
               if b != good)
    sb.config(failing_bundles=[bad])
    dss.put("/project-deployer/deployments/churn-dev/settings", json={**settings, "bundleId": bad})
    failed = dss.post(UPDATE.format("churn-dev"), json={"synchronous": True}).json()
    assert failed["result"][0]["activateReport"]["error"] is True
    assert status(dss, "churn-dev")["health"] == "ERROR"
    settings = dss.get("/project-deployer/deployments/churn-dev/settings").json()
    dss.put("/project-deployer/deployments/churn-dev/settings", json={**settings, "bundleId": good})
    back = dss.post(UPDATE.format("churn-dev"), json={"synchronous": True}).json()
    assert back["result"][0]["activateReport"]["success"] is True
    assert status(dss, "churn-dev")["health"] == "HEALTHY"
    sb.reset()
    assert sb.config()["failing_bundles"] == []


def test_failing_bundles_must_be_a_list_of_ids(sb):
    response = requests.post(sb.url("control") + "/config", json={"failing_bundles": [1]}, timeout=5)
    assert response.status_code == 400
