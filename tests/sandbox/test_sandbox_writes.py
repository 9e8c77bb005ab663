"""Every write operation changes state and validates (request and response) against its contract.

Each test ends by checking, through the sandbox's own request stats, that it exercised every operation of its spec.
"""

from __future__ import annotations

import pytest

from tests.contract import spec_operations


def assert_every_operation_served(sb, upstream: str, spec: str) -> None:
    served = {key for key, count in sb.stats()[upstream].items() if count}
    expected = {f"{method} {path}" for method, path in spec_operations(spec)}
    assert expected <= served, f"not exercised: {sorted(expected - served)}"


def test_govern_writes(sb, govern, govern_as):
    govern.get("/roles")
    govern.get("/users")
    created = govern.post("/blueprints", json={"name": "Vendor tool", "description": "Third-party AI",
                                               "icon": "tool"}).json()
    bp_id = created["id"]
    assert govern.get(f"/blueprints/{bp_id}").json()["name"] == "Vendor tool"
    model = govern.get("/blueprints/bp-model").json()
    updated = dict(model, id=bp_id, name="Vendor AI tool", artifactCount=0)
    govern.put(f"/blueprints/{bp_id}", json=updated)
    assert govern.get(f"/blueprints/{bp_id}").json()["name"] == "Vendor AI tool"
    assert len(govern.get(f"/blueprints/{bp_id}").json()["fieldSettings"]) == 9
    version = govern.post(f"/blueprints/{bp_id}/versions", json={}).json()
    assert version["status"] == "DRAFT" and version["versionNumber"] == 1
    copy = govern.post("/blueprints/bp-model/versions", json={"originVersionId": "bp-model-v2"}).json()
    assert copy["versionNumber"] == 4 and copy["fieldSettings"] == model["fieldSettings"]
    assert [v["id"] for v in govern.get(f"/blueprints/{bp_id}/versions").json()] == [version["id"]]
    govern.get(f"/blueprints/{bp_id}/versions/{version['id']}")

    art = govern.post("/artifacts", json={
        "name": "Churn v2", "blueprintId": "bp-model",
        "customFields": {"summary": "New churn", "uses_pii": True, "regions": ["EU"], "review_date": "2025-06-30"},
    }).json()
    assert art["blueprintVersionId"] == "bp-model-v2" and art["createdBy"] == "svc-portal"
    before = len(govern.get("/artifacts").json())
    govern.put(f"/artifacts/{art['id']}", json={"name": "Churn v2.1", "status": "in-review"})
    got = govern.get(f"/artifacts/{art['id']}").json()
    assert (got["name"], got["status"]) == ("Churn v2.1", "in-review")
    govern.put(f"/artifacts/{art['id']}/custom-fields", json={"risk_score": 12.5, "owner": "alice",
                                                               "reviewers": ["bob", "carol"]})
    fields = govern.get(f"/artifacts/{art['id']}/custom-fields").json()
    assert fields["risk_score"] == 12.5 and fields["summary"] == "New churn" and fields["reviewers"] == ["bob", "carol"]
    steps = govern.get(f"/artifacts/{art['id']}/sign-offs").json()
    assert {s["status"] for s in steps} == {"NOT_STARTED"}
    step = steps[1]["stepId"]
    govern.post(f"/artifacts/{art['id']}/sign-offs/{step}/delegate", json={"delegateTo": "bob", "comment": "cover"})
    assert govern.get(f"/artifacts/{art['id']}/sign-offs/{step}").json()["delegatedTo"] == "bob"
    review = govern_as("bob").post(f"/artifacts/{art['id']}/sign-offs/{step}/reviews",
                                   json={"outcome": "APPROVED", "comment": "fine"}).json()
    assert review["reviewer"] == "bob"
    govern.delete(f"/artifacts/{art['id']}")
    assert len(govern.get("/artifacts").json()) == before - 1
    assert govern.get(f"/artifacts/{art['id']}", check=False).status_code == 404

    govern.delete(f"/blueprints/{bp_id}")
    assert bp_id not in {bp["id"] for bp in govern.get("/blueprints").json()}
    assert_every_operation_served(sb, "govern", "govern")


def test_dss_writes(sb, dss):
    dss.get("/project-deployer/infras/stages")
    dss.get("/project-deployer/infras")
    settings = dss.post("/project-deployer/projects/infras", json={
        "id": "infra-qa", "stage": "Test", "automationNodeUrl": "http://qa:11200", "apiKey": "secret"}).json()
    assert settings["id"] == "infra-qa" and settings["adminApiKey"] == "secret"
    settings["trustAllSSLCertificates"] = True
    dss.put("/project-deployer/infras/infra-qa", json=settings)
    assert dss.get("/project-deployer/infras/infra-qa").json()["trustAllSSLCertificates"] is True
    assert dss.post("/project-deployer/infras/infra-qa").json()["deployments"] == []

    project = dss.post("/project-deployer/projects", json={"publishedProjectKey": "NEWPROJ"}).json()
    project["name"] = "New project"
    dss.put("/project-deployer/projects/NEWPROJ/settings", json=project)
    assert dss.get("/project-deployer/projects/NEWPROJ/settings").json()["name"] == "New project"
    bundle = dss.post("/project-deployer/projects/bundles",
                      params={"projectKey": "NEWPROJ", "filePart": "/data/bundles/bundle-v1.zip"}).json()
    assert bundle["id"] == "bundle-v1"
    dss.post("/project-deployer/projects/bundles", params={"projectKey": "NEWPROJ", "filePart": "/tmp/v2.zip"})
    implicit = dss.post("/project-deployer/projects/bundles", params={"filePart": "/exports/OTHER/v7.zip"}).json()
    assert implicit["designNodeInfo"]["projectKey"] == "OTHER"
    assert dss.get("/project-deployer/projects/NEWPROJ").json()["projectBasicInfo"]["bundleIds"] == ["bundle-v1", "v2"]
    dss.get("/project-deployer/projects")

    created = dss.post("/project-deployer/deployments", json={
        "deploymentId": "newproj-on-qa", "publishedProjectKey": "NEWPROJ", "infraId": "infra-qa",
        "bundleId": "bundle-v1"}).json()
    assert created["deployedProjectKey"] == "NEWPROJ"
    assert dss.get("/project-deployer/deployments/newproj-on-qa/status").json()["health"] == "UNKNOWN"
    created["bundleId"] = "v2"
    created["tags"] = ["qa"]
    dss.put("/project-deployer/deployments/newproj-on-qa/settings", json=created)
    saved = dss.get("/project-deployer/deployments/newproj-on-qa/settings").json()
    assert saved["bundleId"] == "v2" and saved["versionTag"]["versionNumber"] == 2
    future = dss.post("/project-deployer/deployments/newproj-on-qa/actions/update", json={"synchronous": True}).json()
    assert future["hasResult"] and future["result"][0]["activateCheckReport"]["bundleId"] == "v2"
    dss.get(f"/futures/{future['jobId']}", params={"peek": "false"})
    dss.get("/futures/", params={"allUsers": "false", "withScenarios": "false"})
    deployment = dss.get("/project-deployer/deployments/newproj-on-qa").json()
    assert deployment["neverEverDeployed"] is False
    assert dss.get("/project-deployer/deployments").json()
    # bundle-v1 is no longer used by the deployment, so it can go; v2 cannot.
    dss.delete("/project-deployer/projects/NEWPROJ/bundles/bundle-v1")
    assert dss.delete("/project-deployer/projects/NEWPROJ/bundles/v2", check=False).status_code == 400
    assert dss.delete("/project-deployer/infras/infra-qa", check=False).status_code == 400
    assert dss.delete("/project-deployer/projects/NEWPROJ", check=False).status_code == 400
    dss.delete("/project-deployer/deployments/newproj-on-qa")
    dss.delete("/project-deployer/infras/infra-qa")
    dss.delete("/project-deployer/projects/NEWPROJ")
    assert dss.get("/project-deployer/projects/NEWPROJ", check=False).status_code == 404
    job = dss.post("/project-deployer/deployments/churn-dev/actions/update", json={"synchronous": False}).json()
    dss.delete(f"/futures/{job['jobId']}")
    assert_every_operation_served(sb, "dss", "dss")


@pytest.mark.parametrize("node_name", ["node_a", "node_b"])
def test_apinode_writes(sb, request, node_name):
    node = request.getfixturevalue(node_name)
    upstream = "apinode-a" if node_name == "node_a" else "apinode-b"
    node.get("/health")
    node.get("/metrics")
    service = node.get("/services").json()[0]["serviceId"]
    node.post(f"/services/{service}/disable")
    assert node.get(f"/services/{service}").json()["enabled"] is False
    node.post(f"/services/{service}/enable")
    assert node.get(f"/services/{service}").json()["enabled"] is True
    count = len(node.get(f"/services/{service}/generations").json())
    gen = node.post(f"/services/{service}/generations",
                    files={"file": ("v42.zip", b"PK\x03\x04 generation bytes", "application/zip")}).json()
    assert gen == {"generationId": "v42", "active": False, "createdOn": gen["createdOn"]}
    assert len(node.get(f"/services/{service}/generations").json()) == count + 1
    node.post(f"/services/{service}/generations/v42/preload")
    assert node.get(f"/services/{service}/generations/v42").json()["preloaded"] is True
    previous = node.get(f"/services/{service}").json()["activeGeneration"]
    node.post(f"/services/{service}/generations/v42/switch")
    assert node.get(f"/services/{service}").json()["activeGeneration"] == "v42"
    assert node.delete(f"/services/{service}/generations/v42", check=False).status_code == 400
    node.delete(f"/services/{service}/generations/{previous}")
    assert node.get(f"/services/{service}/generations/{previous}", check=False).status_code == 404
    key = node.post("/auth/keys", json={"label": "ci", "allowedServices": [service]}).json()
    assert key["allowedServices"] == [service] and key["key"]
    assert node.get(f"/auth/keys/{key['id']}").json() == key
    assert key in node.get("/auth/keys").json()
    node.delete(f"/auth/keys/{key['id']}")
    assert node.get(f"/auth/keys/{key['id']}", check=False).status_code == 404
    node.delete(f"/services/{service}")
    assert service not in {s["serviceId"] for s in node.get("/services").json()}
    assert_every_operation_served(sb, upstream, "apinode")
