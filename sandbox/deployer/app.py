"""The Deployer WSGI app: the contract's operation ids wired to their handlers."""

from __future__ import annotations

from sandbox.deployer import deployments, futures, futures_api, infras, projects
from sandbox.deployer.account import authenticate
from sandbox.http import DSS_HEADERS, UpstreamApp
from sandbox.state import Store

BASE_PATH = "/public/api"

HANDLERS = {
    "listDeployments": deployments.list_deployments,
    "createDeployment": deployments.create_deployment,
    "getDeployment": deployments.get_deployment,
    "deleteDeployment": deployments.delete_deployment,
    "getDeploymentSettings": deployments.get_deployment_settings,
    "saveDeploymentSettings": deployments.save_deployment_settings,
    "getDeploymentStatus": deployments.get_deployment_status,
    "updateDeployment": deployments.update_deployment,
    "listPublishedProjects": projects.list_projects,
    "createPublishedProject": projects.create_project,
    "getPublishedProject": projects.get_project,
    "deletePublishedProject": projects.delete_project,
    "getPublishedProjectSettings": projects.get_project_settings,
    "savePublishedProjectSettings": projects.save_project_settings,
    "uploadBundle": projects.upload_bundle,
    "deleteBundle": projects.delete_bundle,
    "listStages": infras.list_stages,
    "listInfras": infras.list_infras,
    "getInfra": infras.get_infra,
    "getInfraSettings": infras.get_infra_settings,
    "saveInfraSettings": infras.save_infra_settings,
    "deleteInfra": infras.delete_infra,
    "createInfra": infras.create_infra,
    "listTasksInProgress": futures_api.list_futures,
    "getTaskStatus": futures_api.get_future,
    "abortTask": futures_api.abort_future,
}


def build_app(store: Store) -> UpstreamApp:
    """The Deployer WSGI app. ``actions/update`` also accepts an empty body (asynchronous update)."""
    return UpstreamApp(
        "dss", store, "dss", BASE_PATH, HANDLERS, authenticate,
        extra_headers=DSS_HEADERS, before=futures.advance, optional_bodies=frozenset({"updateDeployment"}),
    )
