"""Typed results of the Project Deployer's deployments, published projects, bundles, infras and stages.

Each `from_json` follows the one parsing rule of `portal.lib.parsing`: ids and shapes strict (a body off the contract
raises `UpstreamBadResponse`), display fields lenient; epoch-millisecond timestamps become aware datetimes here.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from portal.lib.parsing import Parser, ms_to_datetime, opt_list, opt_obj, text, texts

HEALTH_VALUES = ("HEALTHY", "WARNING", "ERROR", "OUT_OF_SYNC", "UNKNOWN")
MONITORING_KEYS = ("failed", "warning", "successful", "aborted", "running")
UPSTREAM_NAME = "Deployer"

# The strict readers, naming the Deployer in their errors; `futures` and `calls` use the same one.
parser = _p = Parser(UPSTREAM_NAME)



@dataclass(frozen=True)
class Bundle:
    id: str
    published_on: datetime | None = None
    published_by: str = ""
    design_project_key: str = ""

    @classmethod
    def from_json(cls, data: Any) -> Bundle:
        data = _p.obj(data, "a bundle")
        design = opt_obj(data.get("designNodeInfo"))
        return cls(
            id=_p.required_id(data, "id", "a bundle"),
            published_on=ms_to_datetime(data.get("publishedOn")),
            published_by=text(data.get("publishedBy")),
            design_project_key=text(design.get("projectKey")),
        )


@dataclass(frozen=True)
class Deployment:
    id: str
    infra_id: str
    stage: str
    published_project_key: str
    project_name: str
    bundle_id: str
    deployed_project_key: str
    bundle_ids: tuple[str, ...] = ()
    packages: tuple[Bundle, ...] = ()
    tags: tuple[str, ...] = ()
    never_deployed: bool = False
    created_by: str = ""
    last_modified_by: str = ""
    last_modified_on: datetime | None = None

    @classmethod
    def from_json(cls, data: Any) -> Deployment:
        data = _p.obj(data, "a deployment")
        basic = opt_obj(data.get("deploymentBasicInfo"))
        project = opt_obj(data.get("projectBasicInfo"))
        infra = opt_obj(data.get("infraBasicInfo"))
        version = opt_obj(basic.get("versionTag"))
        return cls(
            id=_p.required_id(basic, "id", "a deployment"),
            infra_id=text(basic.get("infraId") or infra.get("id")),
            stage=text(infra.get("stage")),
            published_project_key=text(basic.get("publishedProjectKey") or project.get("id")),
            project_name=text(project.get("name")),
            bundle_id=text(basic.get("bundleId")),
            deployed_project_key=text(basic.get("deployedProjectKey")),
            bundle_ids=texts(project.get("bundleIds")),
            packages=tuple(Bundle.from_json(b) for b in opt_list(data.get("packages"))),
            tags=texts(basic.get("tags")),
            never_deployed=bool(data.get("neverEverDeployed")),
            created_by=text(basic.get("createdByDisplayName")),
            last_modified_by=text(basic.get("lastModifiedByDisplayName")),
            last_modified_on=ms_to_datetime(version.get("lastModifiedOn")),
        )


@dataclass(frozen=True)
class HealthMessage:
    severity: str
    title: str
    message: str

    @classmethod
    def from_json(cls, data: Any) -> HealthMessage:
        if isinstance(data, str):
            return cls(severity="INFO", title="", message=data)
        data = opt_obj(data)
        return cls(
            severity=text(data.get("severity") or "INFO").upper(),
            title=text(data.get("title")),
            message=text(data.get("message") or data.get("details")),
        )


@dataclass(frozen=True)
class DeploymentStatus:
    deployment_id: str
    health: str
    health_messages: tuple[HealthMessage, ...] = ()
    monitoring: dict[str, tuple[str, ...]] = field(default_factory=dict)
    has_scenarios: bool = False
    has_active_scenarios: bool = False

    @classmethod
    def from_json(cls, data: Any) -> DeploymentStatus:
        data = _p.obj(data, "a deployment status")
        health = text(data.get("health") or "UNKNOWN").upper()
        monitoring = opt_obj(data.get("monitoring"))
        return cls(
            deployment_id=text(data.get("deploymentId")),
            health=health if health in HEALTH_VALUES else "UNKNOWN",
            health_messages=tuple(HealthMessage.from_json(m) for m in opt_list(data.get("healthMessages"))),
            monitoring={key: texts(monitoring.get(key)) for key in MONITORING_KEYS},
            has_scenarios=bool(data.get("hasScenarios")),
            has_active_scenarios=bool(data.get("hasActiveScenarios")),
        )


@dataclass(frozen=True)
class DeploymentSettings:
    id: str
    infra_id: str
    published_project_key: str
    bundle_id: str
    deployed_project_key: str = ""
    project_folder_id: str = ""
    disable_automatic_triggers: bool = False
    tags: tuple[str, ...] = ()
    local_variables: dict[str, Any] = field(default_factory=dict)
    scenarios_to_activate: dict[str, bool] = field(default_factory=dict)
    connection_remappings: tuple[tuple[str, str], ...] = ()
    code_env_remappings: tuple[tuple[str, str], ...] = ()
    code_env_import_mode: str = ""
    # The full body as received: "Save deployment settings" wants the GET body back, with our changes only.
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> DeploymentSettings:
        data = _p.obj(data, "deployment settings")
        container = opt_obj(data.get("bundleContainerSettings"))
        remapping = opt_obj(container.get("remapping"))

        def pairs(items: Any) -> tuple[tuple[str, str], ...]:
            return tuple((text(opt_obj(i).get("source")), text(opt_obj(i).get("target"))) for i in opt_list(items))

        return cls(
            id=_p.required_id(data, "id", "deployment settings"),
            infra_id=text(data.get("infraId")),
            published_project_key=text(data.get("publishedProjectKey")),
            bundle_id=text(data.get("bundleId")),
            deployed_project_key=text(data.get("deployedProjectKey")),
            project_folder_id=text(data.get("projectFolderId")),
            disable_automatic_triggers=bool(data.get("disableAutomaticTriggers")),
            tags=texts(data.get("tags")),
            local_variables=dict(opt_obj(data.get("localVariables"))),
            scenarios_to_activate={text(k): bool(v) for k, v in opt_obj(data.get("scenariosToActivate")).items()},
            connection_remappings=pairs(remapping.get("connections")),
            code_env_remappings=pairs(remapping.get("codeEnvs")),
            code_env_import_mode=text(opt_obj(container.get("codeEnvsBehavior")).get("importTimeMode")),
            raw=copy.deepcopy(data),
        )

    def with_bundle(self, bundle_id: str) -> dict[str, Any]:
        """The body to PUT back to switch this deployment to `bundle_id`."""
        body = copy.deepcopy(self.raw)
        body["bundleId"] = bundle_id
        return body


@dataclass(frozen=True)
class DeploymentRef:
    id: str
    infra_id: str
    bundle_id: str = ""


@dataclass(frozen=True)
class PublishedProject:
    key: str
    name: str
    bundle_ids: tuple[str, ...] = ()
    packages: tuple[Bundle, ...] = ()
    deployments: tuple[DeploymentRef, ...] = ()
    infra_ids: tuple[str, ...] = ()
    is_admin: bool = False
    can_deploy: bool = False
    can_write: bool = False

    @classmethod
    def from_json(cls, data: Any) -> PublishedProject:
        data = _p.obj(data, "a published project")
        basic = opt_obj(data.get("projectBasicInfo"))
        return cls(
            key=_p.required_id(basic, "id", "a published project"),
            name=text(basic.get("name")),
            bundle_ids=texts(basic.get("bundleIds")),
            packages=tuple(Bundle.from_json(b) for b in opt_list(data.get("packages"))),
            deployments=tuple(
                DeploymentRef(
                    id=text(opt_obj(d).get("id")),
                    infra_id=text(opt_obj(d).get("infraId")),
                    bundle_id=text(opt_obj(d).get("bundleId")),
                )
                for d in opt_list(data.get("deployments"))
            ),
            infra_ids=tuple(text(opt_obj(i).get("id")) for i in opt_list(data.get("infras"))),
            is_admin=bool(data.get("isAdmin")),
            can_deploy=bool(data.get("canDeploy")),
            can_write=bool(data.get("canWrite")),
        )


@dataclass(frozen=True)
class PublishedProjectSettings:
    id: str
    name: str
    owner: str = ""
    permissions: tuple[dict[str, Any], ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> PublishedProjectSettings:
        data = _p.obj(data, "published project settings")
        return cls(
            id=_p.required_id(data, "id", "published project settings"),
            name=text(data.get("name")),
            owner=text(data.get("owner")),
            permissions=tuple(dict(opt_obj(p)) for p in opt_list(data.get("permissions"))),
            raw=copy.deepcopy(data),
        )


@dataclass(frozen=True)
class Stage:
    id: str
    desc: str = ""

    @classmethod
    def from_json(cls, data: Any) -> Stage:
        data = _p.obj(data, "a stage")
        return cls(id=_p.required_id(data, "id", "a stage"), desc=text(data.get("desc")))


@dataclass(frozen=True)
class Infra:
    id: str
    stage: str
    automation_node_url: str = ""
    deployment_ids: tuple[str, ...] = ()
    is_admin: bool = False
    can_deploy: bool = False

    @classmethod
    def from_json(cls, data: Any) -> Infra:
        data = _p.obj(data, "an infra")
        basic = opt_obj(data.get("infraBasicInfo"))
        return cls(
            id=_p.required_id(basic, "id", "an infra"),
            stage=text(basic.get("stage")),
            automation_node_url=text(basic.get("automationNodeUrl")),
            deployment_ids=tuple(text(opt_obj(d).get("id")) for d in opt_list(data.get("deployments"))),
            is_admin=bool(data.get("isAdmin")),
            can_deploy=bool(data.get("canDeploy")),
        )


@dataclass(frozen=True)
class InfraSettings:
    id: str
    node_id: str = ""
    automation_node_url: str = ""
    trust_all_ssl_certificates: bool = False
    permissions: tuple[dict[str, Any], ...] = ()
    # Holds the automation node's admin API key: never rendered, never logged (repr=False).
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> InfraSettings:
        data = _p.obj(data, "infra settings")
        return cls(
            id=_p.required_id(data, "id", "infra settings"),
            node_id=text(data.get("nodeId")),
            automation_node_url=text(data.get("automationNodeUrl")),
            trust_all_ssl_certificates=bool(data.get("trustAllSSLCertificates")),
            permissions=tuple(dict(opt_obj(p)) for p in opt_list(data.get("permissions"))),
            raw=copy.deepcopy(data),
        )


