"""The API-node, running-task and bundle endpoints over HTTP against the sandbox: the pages' roles and rules, one
audit event per outcome, an auth key's value in the creating answer only."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from deployer_ui import apinode_client
from portal.audit.models import AuditEvent
from tests.deployer_ui.test_apinode_admin import NODE_A, SERVICE, a_zip, generation_ids, raw_keys, writes

BASE = f"/api/deployments/api-nodes/{NODE_A}/"


def operations():
    return AuditEvent.objects.exclude(action__startswith="auth.")


def test_everyone_with_a_role_reads_nodes_services_and_charts(login, auditor, sandbox):
    client = login(auditor)
    listing = client.get("/api/deployments/api-nodes/").json()
    assert {n["id"] for n in listing["nodes"]} == {"apinode-a", "apinode-b"}
    node = client.get(BASE).json()
    assert SERVICE in {s["service_id"] for s in node["services"]}
    assert node["keys"] and all(set(k) == {"id", "label", "created_on", "allowed_services"} for k in node["keys"])
    service = client.get(f"{BASE}services/{SERVICE}/").json()
    assert service["service"]["active_generation"] in {g["generation_id"] for g in service["generations"]}
    assert client.get(f"{BASE}services/{SERVICE}/chart/?range=24h").json()["range"] == "24h"
    assert client.get(f"{BASE}chart/?range=nope").status_code == 400
    assert client.get("/api/deployments/api-nodes/no-such-node/").status_code == 404
    assert client.get(f"{BASE}services/no-such-service/").status_code == 404


@pytest.mark.parametrize("persona", ["reviewer", "auditor", "outsider"])
def test_only_operators_and_admins_change_nodes(request, login, sandbox, persona):
    client = login(request.getfixturevalue(persona))
    assert client.post(f"{BASE}services/{SERVICE}/actions/", {"action": "disable"},
                       content_type="application/json").status_code == 403
    assert client.post(f"{BASE}keys/", {"label": "x"}, content_type="application/json").status_code == 403
    assert client.delete(f"{BASE}keys/key-1/").status_code == 403
    assert client.delete(f"{BASE}services/{SERVICE}/").status_code == 403
    assert client.post("/api/deployments/tasks/x/abort/").status_code == 403
    assert writes(sandbox, NODE_A) == {}
    assert not operations().exists()


def test_disable_then_enable_a_service_audited_each_time(login, operator, sandbox):
    client = login(operator)
    url = f"{BASE}services/{SERVICE}/actions/"
    disabled = client.post(url, {"action": "disable"}, content_type="application/json")
    assert disabled.status_code == 200 and disabled.json()["service"]["enabled"] is False
    assert client.post(url, {"action": "enable"}, content_type="application/json").json()["service"]["enabled"]
    assert [(e.action, e.outcome, e.target_id) for e in operations().order_by("id")] == [
        ("api_service.disable", "success", f"{NODE_A}/{SERVICE}"), ("api_service.enable", "success",
                                                                    f"{NODE_A}/{SERVICE}")]


def test_switching_to_an_unknown_generation_is_a_404_and_sends_nothing(login, operator, sandbox):
    response = login(operator).post(f"{BASE}services/{SERVICE}/actions/",
                                    {"action": "switch", "generation_id": "v999"}, content_type="application/json")
    assert response.status_code == 404 and response.json()["upstream"]
    assert writes(sandbox, NODE_A) == {}


def test_a_created_key_value_is_in_the_answer_only(login, operator, sandbox, caplog):
    created = login(operator).post(f"{BASE}keys/", {"label": "mobile", "allowed_services": [SERVICE]},
                                   content_type="application/json")
    assert created.status_code == 201 and "no-store" in created["Cache-Control"]
    body = created.json()
    assert raw_keys(NODE_A)[body["key"]["id"]] == body["secret"]
    assert body["key"]["allowed_services"] == [SERVICE]
    event = operations().get(action="api_node.auth_key.create")
    assert body["secret"] not in json.dumps(event.input) + event.detail and body["secret"] not in caplog.text
    assert body["secret"] not in login(operator).get(BASE).content.decode()
    assert login(operator).delete(f"{BASE}keys/{body['key']['id']}/").status_code == 204
    assert body["key"]["id"] not in raw_keys(NODE_A)


def test_a_key_for_a_service_the_node_lacks_is_a_400_naming_the_field(login, operator, sandbox):
    response = login(operator).post(f"{BASE}keys/", {"label": "x", "allowed_services": ["nope"]},
                                    content_type="application/json")
    assert response.status_code == 400 and "allowed_services" in response.json()
    assert writes(sandbox, NODE_A) == {}


def test_generations_import_and_the_active_one_cannot_be_deleted(login, operator, sandbox):
    client = login(operator)
    before = generation_ids(NODE_A, SERVICE)
    imported = client.post(f"{BASE}services/{SERVICE}/generations/",
                           {"file": SimpleUploadedFile("v7.zip", a_zip(), content_type="application/zip")})
    assert imported.status_code == 201 and imported.json()["active"] is False
    assert len(generation_ids(NODE_A, SERVICE)) == len(before) + 1
    not_zip = client.post(f"{BASE}services/{SERVICE}/generations/",
                          {"file": SimpleUploadedFile("x.zip", b"nope", content_type="application/zip")})
    assert not_zip.status_code == 400 and "file" in not_zip.json()
    active = apinode_client.get_client(NODE_A).get_service(SERVICE).active_generation
    refused = client.delete(f"{BASE}services/{SERVICE}/generations/{active}/")
    assert refused.status_code == 409 and "active generation" in refused.json()["detail"]
    assert operations().filter(action="api_service.generation.delete", outcome="refused").count() == 1


def test_tasks_are_listed_for_everyone_and_aborted_by_admins_only(login, auditor, operator, admin_user, sandbox):
    started = login(operator).post("/api/deployments/updates/", {"deployment_id": "churn-dev"},
                                   content_type="application/json")
    assert started.status_code == 202
    job = started.json()["job_id"]
    tasks = login(auditor).get("/api/deployments/tasks/").json()
    mine = next(t for t in tasks if t["job_id"] == job)
    assert mine["owner"] == "dave" and mine["update_id"] == started.json()["id"]
    assert login(operator).post(f"/api/deployments/tasks/{job}/abort/").status_code == 403
    aborted = login(admin_user).post(f"/api/deployments/tasks/{job}/abort/")
    assert aborted.status_code == 202 and aborted.json() == {"job_id": job, "state": "requested"}
    assert operations().filter(action="task.abort", target_id=job, outcome="requested").count() == 1
    assert login(admin_user).post("/api/deployments/tasks/no-such-job/abort/").status_code == 404


def test_deploying_another_bundle_checks_it_is_the_projects(login, operator, sandbox):
    client = login(operator)
    choices = client.get("/api/deployments/churn-dev/bundles/").json()
    assert choices["current"] in choices["bundles"]
    refused = client.post("/api/deployments/updates/", {"deployment_id": "churn-dev", "bundle_id": "not-a-bundle"},
                          content_type="application/json")
    assert refused.status_code == 409 and "not-a-bundle" in refused.json()["detail"]
    other = next(b for b in choices["bundles"] if b != choices["current"])
    started = client.post("/api/deployments/updates/", {"deployment_id": "churn-dev", "bundle_id": other},
                          content_type="application/json")
    assert started.status_code == 202 and started.json()["kind"] == "deploy_bundle"
    assert started.json()["bundle_id"] == other
    assert operations().filter(action="deployment.deploy_bundle", outcome="started").count() == 1
