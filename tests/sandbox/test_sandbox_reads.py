"""Every read endpoint answers seeded data that validates against its contract."""

from __future__ import annotations

import time

from sandbox.seed import DEFAULT_ARTIFACT_COUNT

GOVERN_STEP_STATUSES = {"NOT_STARTED", "IN_PROGRESS", "APPROVED", "REJECTED", "DELEGATED"}
HEALTH = {"HEALTHY", "WARNING", "ERROR", "OUT_OF_SYNC", "UNKNOWN"}


def test_govern_reads_validate(govern):
    blueprints = govern.get("/blueprints").json()
    assert {bp["id"] for bp in blueprints} >= {"bp-model", "bp-project", "bp-dataset"}
    for bp in blueprints:
        detail = govern.get(f"/blueprints/{bp['id']}").json()
        assert detail["artifactCount"] == bp["artifactCount"]
        versions = govern.get(f"/blueprints/{bp['id']}/versions").json()
        assert {v["status"] for v in versions} == {"DRAFT", "PUBLISHED", "ARCHIVED"}
        for version in versions:
            assert govern.get(f"/blueprints/{bp['id']}/versions/{version['id']}").json()["blueprintId"] == bp["id"]
    artifacts = govern.get("/artifacts").json()
    assert len(artifacts) >= 40
    only_models = govern.get("/artifacts", params={"blueprintId": "bp-dataset"}).json()
    assert only_models and all(a["blueprintId"] == "bp-dataset" for a in only_models)
    for art in artifacts[:12]:
        govern.get(f"/artifacts/{art['id']}")
        govern.get(f"/artifacts/{art['id']}/custom-fields")
        for entry in govern.get(f"/artifacts/{art['id']}/sign-offs").json():
            govern.get(f"/artifacts/{art['id']}/sign-offs/{entry['stepId']}")
    assert {r["id"] for r in govern.get("/roles").json()} == {"reviewer", "operator", "auditor", "govern-admin",
                                                               "model-owner"}
    logins = {u["login"] for u in govern.get("/users").json()}
    assert logins == {"svc-portal", "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}


def test_govern_seed_covers_field_types_statuses_and_hostile_text(govern, sb):
    model = govern.get("/blueprints/bp-model").json()
    types = {field["id"]: field["type"] for field in model["fieldSettings"]}
    assert set(types.values()) == {"TEXT", "LONG_TEXT", "NUMBER", "BOOLEAN", "DATE", "SELECT", "MULTISELECT",
                                   "USER", "USERS"}
    options = {field["id"]: field.get("options") for field in model["fieldSettings"]}
    logins = {u["login"] for u in govern.get("/users").json()}
    fields = govern.get("/artifacts/art-0001/custom-fields").json()
    for fid, value in fields.items():
        kind = types[fid]
        if kind == "TEXT":
            assert isinstance(value, str)
        elif kind == "LONG_TEXT":
            assert isinstance(value, str) and "\n" in value
        elif kind == "NUMBER":
            assert isinstance(value, (int, float)) and not isinstance(value, bool)
        elif kind == "BOOLEAN":
            assert isinstance(value, bool)
        elif kind == "DATE":
            assert len(value) == 10 and value[4] == "-" and value[7] == "-"
        elif kind == "SELECT":
            assert value in options[fid]
        elif kind == "MULTISELECT":
            assert set(value) <= set(options[fid])
        elif kind == "USER":
            assert value in logins
        elif kind == "USERS":
            assert set(value) <= logins
    hostile = govern.get("/artifacts/art-0007").json()
    assert "<script>alert(1)</script>" in hostile["name"]
    assert '"><img src=x onerror=alert(1)>' in hostile["name"]
    assert any("<script>" in str(v) for v in hostile["customFields"].values())
    summary = sb.summary()
    assert set(summary["signOffs"]) == GOVERN_STEP_STATUSES
    assert len(summary["signOffs"]["DELEGATED"]) == 1
    assert any(item["reviews"] for status in summary["signOffs"].values() for item in status)


def test_dss_reads_validate(dss):
    stages = dss.get("/project-deployer/infras/stages").json()
    assert [s["id"] for s in stages] == ["Development", "Test", "Production"]
    infras = dss.get("/project-deployer/infras").json()
    assert {i["infraBasicInfo"]["stage"] for i in infras} == {"Development", "Test", "Production"}
    for infra in infras:
        infra_id = infra["infraBasicInfo"]["id"]
        assert dss.get(f"/project-deployer/infras/{infra_id}").json()["id"] == infra_id
        assert dss.post(f"/project-deployer/infras/{infra_id}").json()["infraBasicInfo"]["id"] == infra_id
    projects = dss.get("/project-deployer/projects").json()
    assert len(projects) >= 6
    assert sum(len(p["packages"]) >= 2 for p in projects) >= 6
    for project in projects:
        key = project["projectBasicInfo"]["id"]
        dss.get(f"/project-deployer/projects/{key}")
        assert dss.get(f"/project-deployer/projects/{key}/settings").json()["id"] == key
    deployments = dss.get("/project-deployer/deployments").json()
    assert len(deployments) >= 12
    ids = [d["deploymentBasicInfo"]["id"] for d in deployments]
    assert sum(i.endswith("-fails") for i in ids) >= 2
    healths = set()
    for dep_id in ids:
        dss.get(f"/project-deployer/deployments/{dep_id}")
        assert dss.get(f"/project-deployer/deployments/{dep_id}/settings").json()["id"] == dep_id
        status = dss.get(f"/project-deployer/deployments/{dep_id}/status").json()
        healths.add(status["health"])
        assert set(status["monitoring"]) == {"failed", "warning", "successful", "aborted", "running"}
        if status["health"] != "HEALTHY":
            assert status["healthMessages"]
    assert healths == HEALTH
    assert dss.get("/futures/", params={"allUsers": "true", "withScenarios": "false"}).json() == []


def test_dss_headers_on_every_response(dss):
    for response in (
        dss.get("/project-deployer/deployments"),
        dss.get("/project-deployer/deployments/nope", check=False),
        dss.post("/project-deployer/deployments", data="{", check=False),
    ):
        assert response.headers["DSS-API-Version"] and response.headers["DSS-Version"]


def test_apinode_reads_validate(node_a, node_b):
    for node in (node_a, node_b):
        services = node.get("/services").json()
        assert len(services) >= 3
        for service in services:
            detail = node.get(f"/services/{service['serviceId']}").json()
            assert detail["endpoints"]
            generations = node.get(f"/services/{service['serviceId']}/generations").json()
            assert sum(g["active"] for g in generations) == 1
            preloaded = [node.get(f"/services/{service['serviceId']}/generations/{g['generationId']}").json()
                         ["preloaded"] for g in generations]
            assert any(preloaded)
        keys = node.get("/auth/keys").json()
        assert keys and node.get(f"/auth/keys/{keys[0]['id']}").json()["key"] == keys[0]["key"]
        node.get("/metrics")
    assert node_a.get("/health").json()["status"] == "HEALTHY"
    assert node_b.get("/health").json()["status"] == "DEGRADED"


def test_apinode_metrics_grow(node_a):
    first = node_a.get("/metrics").json()
    time.sleep(1.1)
    second = node_a.get("/metrics").json()
    assert second["totalRequests"] > first["totalRequests"]
    assert second["totalRequests"] == sum(s["requestCount"] for s in second["serviceMetrics"].values())


def test_bundle_artifacts_govern_the_deployed_bundles(sb, govern, dss):
    deployed = {(d["deploymentBasicInfo"]["publishedProjectKey"], d["deploymentBasicInfo"]["bundleId"])
                for d in dss.get("/project-deployer/deployments").json()}
    bundles = sb.summary()["bundles"]
    assert {(b["projectKey"], b["bundleId"]) for b in bundles} == deployed
    states = [b["state"] for b in bundles]
    assert states.count("rejected") == 1
    assert {"approved", "pending", "withdrawn", "ungoverned"} <= set(states)
    for bundle in bundles:
        assert len(bundle["artifactIds"]) == {"ungoverned": 0, "withdrawn": 2}.get(bundle["state"], 1), bundle
        for art_id in bundle["artifactIds"]:
            art = govern.get(f"/artifacts/{art_id}").json()
            assert art["blueprintId"] == "bp-bundle"
            assert (art["customFields"]["project_key"], art["customFields"]["bundle_id"]) == (
                bundle["projectKey"], bundle["bundleId"])
        newest = bundle["artifactIds"][-1:]
        signed = [s["status"] for art_id in newest for s in govern.get(f"/artifacts/{art_id}/sign-offs").json()]
        expected = {"approved": ["APPROVED", "APPROVED"], "rejected": ["APPROVED", "REJECTED"],
                    "pending": ["IN_PROGRESS", "NOT_STARTED"], "withdrawn": ["IN_PROGRESS", "NOT_STARTED"],
                    "ungoverned": []}[bundle["state"]]
        assert signed == expected, bundle
    assert len(govern.get("/artifacts").json()) == DEFAULT_ARTIFACT_COUNT  # the bundle artifacts are among them
