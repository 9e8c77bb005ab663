"""Client for the DSS Project Deployer and long-running tasks (contract: sandbox/contracts/dss-deployer.openapi.yaml)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from portal.upstream import UpstreamBadResponse, UpstreamClient, cached_client, client_options

HEALTH_VALUES = ("HEALTHY", "WARNING", "ERROR", "OUT_OF_SYNC", "UNKNOWN")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Deployment:
    id: str
    infra_id: str
    stage: str
    published_project_key: str
    project_name: str
    bundle_id: str
    deployed_project_key: str
    bundle_ids: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Deployment:
        basic = _dict(data.get("deploymentBasicInfo"))
        project = _dict(data.get("projectBasicInfo"))
        infra = _dict(data.get("infraBasicInfo"))
        if not basic.get("id"):
            raise UpstreamBadResponse("answered a deployment without an id", upstream="Deployer")
        return cls(
            id=str(basic["id"]),
            infra_id=str(basic.get("infraId") or infra.get("id") or ""),
            stage=str(infra.get("stage", "")),
            published_project_key=str(basic.get("publishedProjectKey") or project.get("id") or ""),
            project_name=str(project.get("name", "")),
            bundle_id=str(basic.get("bundleId", "")),
            deployed_project_key=str(basic.get("deployedProjectKey", "")),
            bundle_ids=[str(b) for b in project.get("bundleIds") or []],
        )


@dataclass(frozen=True)
class DeploymentStatus:
    deployment_id: str
    health: str
    health_messages: list[Any] = field(default_factory=list)
    monitoring: dict[str, list[str]] = field(default_factory=dict)
    has_scenarios: bool = False
    has_active_scenarios: bool = False

    @classmethod
    def from_json(cls, data: Any) -> DeploymentStatus:
        if not isinstance(data, dict):
            raise UpstreamBadResponse("answered a deployment status that is not an object", upstream="Deployer")
        health = str(data.get("health", "UNKNOWN"))
        return cls(
            deployment_id=str(data.get("deploymentId", "")),
            health=health if health in HEALTH_VALUES else "UNKNOWN",
            health_messages=list(data.get("healthMessages") or []),
            monitoring={k: [str(x) for x in v or []] for k, v in _dict(data.get("monitoring")).items()},
            has_scenarios=bool(data.get("hasScenarios")),
            has_active_scenarios=bool(data.get("hasActiveScenarios")),
        )


class DeployerClient(UpstreamClient):
    """Every Project Deployer and futures operation. Methods return dataclasses; errors are `portal.upstream` errors."""

    def list_deployments(self) -> list[Deployment]:
        body = self.request("GET", "/project-deployer/deployments")
        if not isinstance(body, list):
            raise UpstreamBadResponse("answered deployments that are not a list", upstream=self.name)
        return [Deployment.from_json(_dict(item)) for item in body]

    def get_deployment_status(self, deployment_id: str) -> DeploymentStatus:
        body = self.request(
            "GET", "/project-deployer/deployments/{deploymentId}/status", path_params={"deploymentId": deployment_id}
        )
        return DeploymentStatus.from_json(body)


def get_client() -> DeployerClient:
    return cached_client("dss", lambda: DeployerClient(**client_options(settings.DSS)))
