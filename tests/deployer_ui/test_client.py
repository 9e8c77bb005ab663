"""Every Deployer and API node contract operation, through the portal's clients, against the sandbox over HTTP.

The session hook validates every request and response against the contracts, so these also prove conformance.
"""

from __future__ import annotations

import io

import pytest

from deployer_ui import apinode_client
from deployer_ui.client import Future, get_client
from portal.lib.upstream import UpstreamBadResponse, UpstreamNotFound, UpstreamRefused, UpstreamUnavailable
from sandbox.seed import DEFAULT_DEPLOYMENT_COUNT, HEALTH_VALUES, STAGES
from tests.contract import spec_operations

STAGE_IDS = [stage for stage, _ in STAGES]

DEPLOYER_METHODS = {
    ("GET", "/project-deployer/deployments"): "list_deployments",
    ("POST", "/project-deployer/deployments"): "create_deployment",
    ("GET", "/project-deployer/deployments/{deploymentId}"): "get_deployment",
    ("DELETE", "/project-deployer/deployments/{deploymentId}"): "delete_deployment",
    ("GET", "/project-deployer/deployments/{deploymentId}/settings"): "get_deployment_settings",
    ("PUT", "/project-deployer/deployments/{deploymentId}/settings"): "save_deployment_settings",
    ("GET", "/project-deployer/deployments/{deploymentId}/status"): "get_deployment_status",
    ("POST", "/project-deployer/deployments/{deploymentId}/actions/update"): "update_deployment",
    ("GET", "/project-deployer/projects"): "list_published_projects",
    ("POST", "/project-deployer/projects"): "create_published_project",
    ("GET", "/project-deployer/projects/{projectKey}"): "get_published_project",
    ("DELETE", "/project-deployer/projects/{projectKey}"): "delete_published_project",
    ("GET", "/project-deployer/projects/{projectKey}/settings"): "get_published_project_settings",
    ("PUT", "/project-deployer/projects/{projectKey}/settings"): "save_published_project_settings",
    ("POST", "/project-deployer/projects/bundles"): "upload_bundle",
    ("DELETE", "/project-deployer/projects/{projectKey}/bundles/{bundleId}"): "delete_bundle",
    ("GET", "/project-deployer/infras/stages"): "list_stages",
    ("GET", "/project-deployer/infras"): "list_infras",
    ("POST", "/project-deployer/infras/{infraId}"): "get_infra",
    ("GET", "/project-deployer/infras/{infraId}"): "get_infra_settings",
    ("PUT", "/project-deployer/infras/{infraId}"): "save_infra_settings",
    ("DELETE", "/project-deployer/infras/{infraId}"): "delete_infra",
    ("POST", "/project-deployer/projects/infras"): "create_infra",
    ("GET", "/futures/"): "list_futures",
    ("GET", "/futures/{jobId}"): "get_future",
    ("DELETE", "/futures/{jobId}"): "abort_future",
}
APINODE_METHODS = {
    ("GET", "/services"): "list_services",
    ("GET", "/services/{serviceId}"): "get_service",
    ("DELETE", "/services/{serviceId}"): "delete_service",
    ("POST", "/services/{serviceId}/enable"): "enable_service",
    ("POST", "/services/{serviceId}/disable"): "disable_service",
    ("GET", "/services/{serviceId}/generations"): "list_generations",
    ("POST", "/services/{serviceId}/generations"): "import_generation",
    ("GET", "/services/{serviceId}/generations/{generationId}"): "get_generation",
    ("DELETE", "/services/{serviceId}/generations/{generationId}"): "delete_generation",
    ("POST", "/services/{serviceId}/generations/{generationId}/preload"): "preload_generation",
    ("POST", "/services/{serviceId}/generations/{generationId}/switch"): "switch_generation",
    ("GET", "/auth/keys"): "list_auth_keys",
    ("POST", "/auth/keys"): "create_auth_key",
    ("GET", "/auth/keys/{keyId}"): "get_auth_key",
    ("DELETE", "/auth/keys/{keyId}"): "delete_auth_key",
    ("GET", "/metrics"): "get_metrics",
    ("GET", "/health"): "get_health",
}


def test_every_contract_operation_has_a_client_method():
    assert set(spec_operations("dss")) == set(DEPLOYER_METHODS)
    assert set(spec_operations("apinode")) == set(APINODE_METHODS)
    for name in DEPLOYER_METHODS.values():
        assert callable(getattr(get_client().__class__, name))
    for name in APINODE_METHODS.values():
        assert callable(getattr(apinode_client.ApiNodeClient, name))


def _calls(sandbox, upstream):
    return {key for key, count in sandbox.stats().get(upstream, {}).items() if count}


def test_deployment_operations(sandbox):
    client = get_client()
    deployments = client.list_deployments()
    assert len(deployments) == DEFAULT_DEPLOYMENT_COUNT and {d.stage for d in deployments} == set(STAGE_IDS)
    churn = client.get_deployment("churn-prod")
    assert churn.published_project_key == "CHURN" and churn.infra_id == "infra-prod" and churn.packages
    status = client.get_deployment_status("churn-prod")
    assert status.deployment_id == "churn-prod" and status.health in set(HEALTH_VALUES)
    settings = client.get_deployment_settings("churn-prod")
    other = next(b.id for b in churn.packages if b.id != settings.bundle_id)
    client.save_deployment_settings("churn-prod", settings.with_bundle(other))
    assert client.get_deployment_settings("churn-prod").bundle_id == other
    created = client.create_deployment("churn-new", "CHURN", "infra-dev", churn.packages[0].id)
    assert created.id == "churn-new"
    future = client.update_deployment("churn-new", synchronous=True)
    assert future.has_result and future.update_result().outcome == "success"
    assert len(future.update_result().reports) == 4
    client.delete_deployment("churn-new")
    with pytest.raises(UpstreamNotFound):
        client.get_deployment("churn-new")
    assert _calls(sandbox, "dss") >= {
        "GET /project-deployer/deployments", "POST /project-deployer/deployments",
        "GET /project-deployer/deployments/{deploymentId}", "DELETE /project-deployer/deployments/{deploymentId}",
        "GET /project-deployer/deployments/{deploymentId}/settings",
        "PUT /project-deployer/deployments/{deploymentId}/settings",
        "GET /project-deployer/deployments/{deploymentId}/status",
        "POST /project-deployer/deployments/{deploymentId}/actions/update",
    }


def test_project_and_bundle_operations(sandbox):
    client = get_client()
    projects = client.list_published_projects()
    assert "CHURN" in {p.key for p in projects}
    project = client.get_published_project("CHURN")
    assert project.packages and project.deployments
    created = client.create_published_project("NEWPROJ")
    assert created.id == "NEWPROJ"
    settings = client.get_published_project_settings("NEWPROJ")
    client.save_published_project_settings("NEWPROJ", {**settings.raw, "name": "New project"})
    assert client.get_published_project_settings("NEWPROJ").name == "New project"
    bundle = client.upload_bundle("/imports/NEWPROJ/b1.zip", project_key="NEWPROJ")
    assert bundle.id == "b1"
    client.delete_bundle("NEWPROJ", "b1")
    client.delete_published_project("NEWPROJ")
    with pytest.raises(UpstreamNotFound):
        client.get_published_project("NEWPROJ")
    with pytest.raises(UpstreamRefused):  # used by deployments: the Deployer says no, with its own message
        client.delete_published_project("CHURN")


def test_infra_and_stage_operations(sandbox):
    client = get_client()
    assert [s.id for s in client.list_stages()] == STAGE_IDS
    infras = client.list_infras()
    assert "infra-prod" in {i.id for i in infras}
    infra = client.get_infra("infra-prod")
    assert infra.stage == "Production" and infra.deployment_ids
    created = client.create_infra("infra-new", "Test", "http://auto:1", api_key="secret-admin-key")
    assert created.id == "infra-new"
    settings = client.get_infra_settings("infra-new")
    assert "secret-admin-key" not in repr(settings)
    client.save_infra_settings("infra-new", {**settings.raw, "trustAllSSLCertificates": True})
    assert client.get_infra_settings("infra-new").trust_all_ssl_certificates is True
    client.delete_infra("infra-new")
    with pytest.raises(UpstreamNotFound):
        client.get_infra("infra-new")


def test_future_operations(short_futures):
    client = get_client()
    started = client.update_deployment("fraud-dev")
    assert started.alive and not started.has_result
    running = client.list_futures(all_users=True, with_scenarios=False)
    assert started.job_id in {f.job_id for f in running}
    peeked = client.get_future(started.job_id, peek=True)
    assert isinstance(peeked, Future) and peeked.progress
    client.abort_future(started.job_id)
    after = client.get_future(started.job_id, peek=False)
    assert after.aborted and not after.alive and after.finished
    with pytest.raises(UpstreamNotFound):
        client.get_future("no-such-job", peek=False)


def test_apinode_service_and_generation_operations(sandbox):
    client = apinode_client.get_client("apinode-a")
    services = client.list_services()
    assert {s.service_id for s in services} >= {"churn-prediction", "fraud-scoring"}
    service = client.get_service("fraud-scoring")
    assert service.endpoints and service.enabled
    client.disable_service("fraud-scoring")
    assert client.get_service("fraud-scoring").enabled is False
    client.enable_service("fraud-scoring")
    assert client.get_service("fraud-scoring").enabled is True
    generations = client.list_generations("fraud-scoring")
    inactive = next(g for g in generations if not g.active)
    client.preload_generation("fraud-scoring", inactive.generation_id)
    assert client.get_generation("fraud-scoring", inactive.generation_id).preloaded
    client.switch_generation("fraud-scoring", inactive.generation_id)
    assert client.get_service("fraud-scoring").active_generation == inactive.generation_id
    imported = client.import_generation("fraud-scoring", io.BytesIO(b"PK\x03\x04 zip bytes"), "v99.zip")
    assert imported.generation_id == "v99" and not imported.active
    client.delete_generation("fraud-scoring", "v99")
    client.delete_service("customer-lookup")
    with pytest.raises(UpstreamNotFound):
        client.get_service("customer-lookup")


def test_apinode_keys_metrics_and_health(sandbox):
    client = apinode_client.get_client("apinode-b")
    keys = client.list_auth_keys()
    assert keys and not any(hasattr(k, "key") for k in keys)
    new = client.create_auth_key("ci", ["churn-prediction"])
    assert new.secret and new.secret not in repr(new)
    assert client.get_auth_key(new.key.id).allowed_services == ("churn-prediction",)
    client.delete_auth_key(new.key.id)
    with pytest.raises(UpstreamNotFound):
        client.get_auth_key(new.key.id)
    metrics = client.get_metrics()
    assert metrics.total_requests and "churn-prediction" in metrics.services
    assert client.get_health().status == "DEGRADED"


def test_garbage_and_outage_become_typed_errors(sandbox, faults):
    faults(target="dss", garbage=True)
    with pytest.raises(UpstreamBadResponse):
        get_client().list_deployments()
    faults(target="dss", garbage=False, down=True)
    with pytest.raises(UpstreamUnavailable):
        get_client().get_deployment_status("churn-prod")
