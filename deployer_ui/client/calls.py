"""The Project Deployer's calls (contract: sandbox/contracts/dss-deployer.openapi.yaml), one method per operation.

Methods return the typed results of `types` and `futures`; failures are the `portal.lib.upstream` errors
(`UpstreamNotFound` for an unknown id, `UpstreamRefused` when the Deployer says no, `UpstreamBadResponse` for a body
off its contract).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from deployer_ui.client.futures import Future
from deployer_ui.client.types import (
    Bundle,
    Deployment,
    DeploymentSettings,
    DeploymentStatus,
    Infra,
    InfraSettings,
    PublishedProject,
    PublishedProjectSettings,
    Stage,
    parser,
)
from portal.lib.upstream import UpstreamClient, cached_client, client_options

_p = parser


class DeployerClient(UpstreamClient):
    """Every Project Deployer and futures operation of the contract (26)."""

    DEP = "/project-deployer/deployments/{deploymentId}"
    PROJ = "/project-deployer/projects/{projectKey}"
    INFRA = "/project-deployer/infras/{infraId}"

    # -- deployments --

    def list_deployments(self) -> list[Deployment]:
        """GET /project-deployer/deployments."""
        body = _p.array(self.request("GET", "/project-deployer/deployments"), "deployments")
        return [Deployment.from_json(item) for item in body]

    def get_deployment(self, deployment_id: str) -> Deployment:
        return Deployment.from_json(self.request("GET", self.DEP, path_params={"deploymentId": deployment_id}))

    def get_deployment_settings(self, deployment_id: str) -> DeploymentSettings:
        body = self.request("GET", self.DEP + "/settings", path_params={"deploymentId": deployment_id})
        return DeploymentSettings.from_json(body)

    def save_deployment_settings(self, deployment_id: str, body: dict[str, Any]) -> None:
        """PUT …/settings with a body obtained from `get_deployment_settings(...).raw` (or `.with_bundle()`)."""
        self.request("PUT", self.DEP + "/settings", path_params={"deploymentId": deployment_id}, json=body)

    def get_deployment_status(self, deployment_id: str) -> DeploymentStatus:
        body = self.request("GET", self.DEP + "/status", path_params={"deploymentId": deployment_id})
        return DeploymentStatus.from_json(body)

    def update_deployment(self, deployment_id: str, *, synchronous: bool = False) -> Future:
        """POST …/actions/update → the update's future (its `job_id` is what to poll). Never retried (a POST)."""
        body = self.request(
            "POST",
            self.DEP + "/actions/update",
            path_params={"deploymentId": deployment_id},
            json={"synchronous": synchronous},
        )
        return Future.from_json(body)

    # -- published projects and bundles --

    def list_published_projects(self) -> list[PublishedProject]:
        body = _p.array(self.request("GET", "/project-deployer/projects"), "published projects")
        return [PublishedProject.from_json(item) for item in body]

    def get_published_project(self, project_key: str) -> PublishedProject:
        return PublishedProject.from_json(self.request("GET", self.PROJ, path_params={"projectKey": project_key}))

    # -- infras and stages --

    def list_stages(self) -> list[Stage]:
        body = _p.array(self.request("GET", "/project-deployer/infras/stages"), "stages")
        return [Stage.from_json(item) for item in body]

    def list_infras(self) -> list[Infra]:
        body = _p.array(self.request("GET", "/project-deployer/infras"), "infras")
        return [Infra.from_json(item) for item in body]

    def get_infra(self, infra_id: str) -> Infra:
        """"Get infra" is a POST in the contract (GET on the same path is "Get infra settings")."""
        return Infra.from_json(self.request("POST", self.INFRA, path_params={"infraId": infra_id}))

    # -- long tasks (futures) --

    def list_futures(self, *, all_users: bool = True, with_scenarios: bool = False) -> list[Future]:
        """GET /futures/?allUsers=&withScenarios= (both required by the contract)."""
        body = self.request("GET", "/futures/", params={"allUsers": all_users, "withScenarios": with_scenarios})
        return [Future.from_json(item) for item in _p.array(body, "tasks")]

    def get_future(self, job_id: str, *, peek: bool = False) -> Future:
        """GET /futures/{jobId}?peek= (required). With peek=false the result is included once ready."""
        return Future.from_json(self.request("GET", "/futures/{jobId}", path_params={"jobId": job_id},
                                             params={"peek": peek}))

    def abort_future(self, job_id: str) -> None:
        """DELETE /futures/{jobId}. The contract documents no body, so none is read."""
        self.request("DELETE", "/futures/{jobId}", path_params={"jobId": job_id})

    # -- create, delete and administer: only the contract tests call these -----------------------------------------
    # The portal never creates or deletes Deployer objects; these keep the client complete against the contract.

    def create_deployment(
        self,
        deployment_id: str,
        published_project_key: str,
        infra_id: str,
        bundle_id: str,
        deployed_project_key: str = "",
        project_folder_id: str = "",
    ) -> DeploymentSettings:
        """POST /project-deployer/deployments → the new deployment's settings."""
        payload = {
            "deploymentId": deployment_id,
            "publishedProjectKey": published_project_key,
            "infraId": infra_id,
            "bundleId": bundle_id,
        }
        if deployed_project_key:
            payload["deployedProjectKey"] = deployed_project_key
        if project_folder_id:
            payload["projectFolderId"] = project_folder_id
        return DeploymentSettings.from_json(self.request("POST", "/project-deployer/deployments", json=payload))

    def delete_deployment(self, deployment_id: str) -> None:
        self.request("DELETE", self.DEP, path_params={"deploymentId": deployment_id})

    def create_published_project(self, project_key: str) -> PublishedProjectSettings:
        body = self.request("POST", "/project-deployer/projects", json={"publishedProjectKey": project_key})
        return PublishedProjectSettings.from_json(body)

    def delete_published_project(self, project_key: str) -> None:
        self.request("DELETE", self.PROJ, path_params={"projectKey": project_key})

    def get_published_project_settings(self, project_key: str) -> PublishedProjectSettings:
        body = self.request("GET", self.PROJ + "/settings", path_params={"projectKey": project_key})
        return PublishedProjectSettings.from_json(body)

    def save_published_project_settings(self, project_key: str, body: dict[str, Any]) -> None:
        self.request("PUT", self.PROJ + "/settings", path_params={"projectKey": project_key}, json=body)

    def upload_bundle(self, file_part: str, project_key: str = "") -> Bundle:
        """POST /project-deployer/projects/bundles?filePart=…[&projectKey=…] (the Deployer reads the file; it is not
        sent)."""
        params = {"filePart": file_part, "projectKey": project_key or None}
        return Bundle.from_json(self.request("POST", "/project-deployer/projects/bundles", params=params))

    def delete_bundle(self, project_key: str, bundle_id: str) -> None:
        self.request(
            "DELETE",
            self.PROJ + "/bundles/{bundleId}",
            path_params={"projectKey": project_key, "bundleId": bundle_id},
        )

    def create_infra(
        self, infra_id: str, stage: str, automation_node_url: str = "", api_key: str = ""
    ) -> InfraSettings:
        """POST /project-deployer/projects/infras (sic: the contract's path)."""
        payload = {"id": infra_id, "stage": stage}
        if automation_node_url:
            payload["automationNodeUrl"] = automation_node_url
        if api_key:
            payload["apiKey"] = api_key
        return InfraSettings.from_json(self.request("POST", "/project-deployer/projects/infras", json=payload))

    def get_infra_settings(self, infra_id: str) -> InfraSettings:
        return InfraSettings.from_json(self.request("GET", self.INFRA, path_params={"infraId": infra_id}))

    def save_infra_settings(self, infra_id: str, body: dict[str, Any]) -> None:
        self.request("PUT", self.INFRA, path_params={"infraId": infra_id}, json=body)

    def delete_infra(self, infra_id: str) -> None:
        self.request("DELETE", self.INFRA, path_params={"infraId": infra_id})


def get_client() -> DeployerClient:
    """The process's Deployer client (one connection pool), configured by `settings.DSS`."""
    return cached_client("deployer", lambda: DeployerClient(**client_options(settings.DSS)))
