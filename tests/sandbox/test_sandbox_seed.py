"""Seeding: deterministic per seed, and fast enough at scale."""

from __future__ import annotations

import time

import requests

from tests.sandbox_process import SandboxProcess

KEYS = {"govern": "govern-service-key", "dss": "dss-service-key", "apinode-a": "apinode-admin-key",
        "apinode-b": "apinode-admin-key"}
SNAPSHOT = {
    "govern": ["/artifacts", "/artifacts/art-0007", "/artifacts/art-0012/sign-offs", "/blueprints/bp-model",
               "/blueprints/bp-project/versions", "/users", "/roles"],
    "dss": ["/project-deployer/deployments", "/project-deployer/projects", "/project-deployer/infras/infra-prod",
            "/project-deployer/deployments/churn-prod/status", "/project-deployer/deployments/churn-prod/settings"],
    "apinode-a": ["/services", "/services/churn-prediction/generations", "/auth/keys"],
    "apinode-b": ["/services/pricing-r", "/auth/keys", "/health"],
}


def snapshot(process: SandboxProcess) -> dict:
    """The answers to a fixed set of reads (metrics excluded: they grow with wall time)."""
    result = {}
    for upstream, paths in SNAPSHOT.items():
        for path in paths:
            response = requests.get(process.url(upstream) + path, auth=(KEYS[upstream], ""), timeout=30)
            assert response.status_code == 200, (upstream, path, response.text)
            result[f"{upstream} {path}"] = response.json()
    return result


def test_same_seed_same_data_other_seed_other_data(sandbox_process):
    sandbox_process.reset(seed=7)
    first = snapshot(sandbox_process)
    with SandboxProcess(seed=7) as other:
        assert snapshot(other) == first
    sandbox_process.reset(seed=8)
    different = snapshot(sandbox_process)
    assert different["govern /artifacts"] != first["govern /artifacts"]
    assert different["dss /project-deployer/deployments"] != first["dss /project-deployer/deployments"]
    sandbox_process.reset()


def test_scale_seed_answers_list_calls():
    started = time.monotonic()
    with SandboxProcess(artifacts=10_000, deployments=2_000) as big:
        startup = time.monotonic() - started
        artifacts = requests.get(big.url("govern") + "/artifacts", auth=(KEYS["govern"], ""), timeout=60).json()
        assert len(artifacts) == 10_000 and artifacts[-1]["id"] == "art-10000"
        deployments = requests.get(big.url("dss") + "/project-deployer/deployments", auth=(KEYS["dss"], ""),
                                   timeout=60).json()
        assert len(deployments) == 2_000
        assert len({d["deploymentBasicInfo"]["id"] for d in deployments}) == 2_000
        # Reset at scale is bounded too.
        reset_started = time.monotonic()
        big.reset(artifacts=10_000, deployments=2_000)
        assert time.monotonic() - reset_started < 10
    assert startup < 15
