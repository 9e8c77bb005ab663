"""Client for the DSS Project Deployer and long-running tasks (contract: sandbox/contracts/dss-deployer.openapi.yaml).

One method per contract operation (26). Methods return frozen dataclasses parsed defensively: a body that is not the
shape the contract promises raises `UpstreamBadResponse`; other failures are the `portal.lib.upstream` errors.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings

from portal.lib.parsing import Parser, ms_to_datetime, number, opt_list, opt_obj, text, texts
from portal.lib.upstream import UpstreamClient, cached_client, client_options

HEALTH_VALUES = ("HEALTHY", "WARNING", "ERROR", "OUT_OF_SYNC", "UNKNOWN")
MONITORING_KEYS = ("failed", "warning", "successful", "aborted", "running")
REPORT_KEYS = (
    ("prepareSyncReport", "Prepare and sync"),
    ("preloadReport", "Preload"),
    ("activateCheckReport", "Activation check"),
    ("activateReport", "Activate"),
)
UPSTREAM_NAME = "Deployer"


_p = Parser(UPSTREAM_NAME)


# --- dataclasses ----------------------------------------------------------------------------------------------------


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
class ReportMessage:
    severity: str
    title: str
    message: str


@dataclass(frozen=True)
class UpdateReport:
    key: str
    label: str
    messages: tuple[ReportMessage, ...] = ()
    success: bool = False
    warning: bool = False
    error: bool = False
    fatal: bool = False

    @property
    def level(self) -> str:
        if self.error or self.fatal:
            return "error"
        if self.warning:
            return "warning"
        return "success" if self.success else "none"

    @classmethod
    def from_json(cls, key: str, label: str, data: Any) -> UpdateReport:
        data = opt_obj(data)
        messages = []
        for item in opt_list(data.get("messages")):
            msg = HealthMessage.from_json(item)
            messages.append(ReportMessage(msg.severity, msg.title, msg.message))
        return cls(
            key=key,
            label=label,
            messages=tuple(messages),
            success=bool(data.get("success")),
            warning=bool(data.get("warning")),
            error=bool(data.get("error")),
            fatal=bool(data.get("fatal")),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "level": self.level,
            "success": self.success,
            "warning": self.warning,
            "error": self.error,
            "fatal": self.fatal,
            "messages": [{"severity": m.severity, "title": m.title, "message": m.message} for m in self.messages],
        }


@dataclass(frozen=True)
class UpdateResult:
    reports: tuple[UpdateReport, ...]

    @property
    def outcome(self) -> str:
        """'error' if any report errs, 'warning' if any warns, else 'success'."""
        levels = {r.level for r in self.reports}
        if "error" in levels:
            return "error"
        if "warning" in levels:
            return "warning"
        return "success"

    @classmethod
    def from_json(cls, data: Any) -> UpdateResult:
        # The update future's result is a one-element list of the four reports (DeploymentUpdateFuture).
        if isinstance(data, list):
            data = data[0] if data else {}
        data = _p.obj(data, "an update result")
        return cls(reports=tuple(UpdateReport.from_json(key, label, data.get(key)) for key, label in REPORT_KEYS))


@dataclass(frozen=True)
class FutureProgress:
    name: str
    unit: str
    target: float | None
    cur: float | None

    @property
    def percent(self) -> int | None:
        if not self.target or self.cur is None:
            return None
        return max(0, min(100, round(100 * self.cur / self.target)))


@dataclass(frozen=True)
class Future:
    job_id: str
    has_result: bool
    aborted: bool
    alive: bool
    owner: str = ""
    start_time: datetime | None = None
    running_time_ms: float | None = None
    unknown: bool = False
    progress: tuple[FutureProgress, ...] = ()
    result: Any = field(default=None, repr=False, compare=False)

    @property
    def finished(self) -> bool:
        return self.has_result or not self.alive

    @property
    def percent(self) -> int | None:
        values = [p.percent for p in self.progress if p.percent is not None]
        return values[-1] if values else None

    @property
    def progress_label(self) -> str:
        return self.progress[-1].name if self.progress else ""

    def update_result(self) -> UpdateResult | None:
        """The four update reports, when this is a finished deployment update. Raises `UpstreamBadResponse`."""
        if not self.has_result or self.result is None:
            return None
        return UpdateResult.from_json(self.result)

    @classmethod
    def from_json(cls, data: Any) -> Future:
        data = _p.obj(data, "a task (future)")
        progress = []
        for item in opt_list(data.get("progress")):
            item = opt_obj(item)
            progress.append(
                FutureProgress(
                    name=text(item.get("name")),
                    unit=text(item.get("unit")),
                    target=number(item.get("target")),
                    cur=number(item.get("cur")),
                )
            )
        return cls(
            job_id=_p.required_id(data, "jobId", "a task"),
            has_result=bool(data.get("hasResult")),
            aborted=bool(data.get("aborted")),
            alive=bool(data.get("alive")),
            owner=text(data.get("owner")),
            start_time=ms_to_datetime(data.get("startTime")),
            running_time_ms=number(data.get("runningTime")),
            unknown=bool(data.get("unknown")),
            progress=tuple(progress),
            result=copy.deepcopy(data.get("result")),
        )


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


# --- the client -----------------------------------------------------------------------------------------------------


class DeployerClient(UpstreamClient):
    """Every Project Deployer and futures operation. Methods return dataclasses; errors are `portal.lib.upstream` errors
    (`UpstreamNotFound` for an unknown id, `UpstreamRefused` when the Deployer says no, `UpstreamBadResponse` for a
    body off its contract)."""

    DEP = "/project-deployer/deployments/{deploymentId}"
    PROJ = "/project-deployer/projects/{projectKey}"
    INFRA = "/project-deployer/infras/{infraId}"

    # -- deployments --

    def list_deployments(self) -> list[Deployment]:
        """GET /project-deployer/deployments."""
        body = _p.array(self.request("GET", "/project-deployer/deployments"), "deployments")
        return [Deployment.from_json(item) for item in body]

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

    def get_deployment(self, deployment_id: str) -> Deployment:
        return Deployment.from_json(self.request("GET", self.DEP, path_params={"deploymentId": deployment_id}))

    def delete_deployment(self, deployment_id: str) -> None:
        self.request("DELETE", self.DEP, path_params={"deploymentId": deployment_id})

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

    def create_published_project(self, project_key: str) -> PublishedProjectSettings:
        body = self.request("POST", "/project-deployer/projects", json={"publishedProjectKey": project_key})
        return PublishedProjectSettings.from_json(body)

    def get_published_project(self, project_key: str) -> PublishedProject:
        return PublishedProject.from_json(self.request("GET", self.PROJ, path_params={"projectKey": project_key}))

    def delete_published_project(self, project_key: str) -> None:
        self.request("DELETE", self.PROJ, path_params={"projectKey": project_key})

    def get_published_project_settings(self, project_key: str) -> PublishedProjectSettings:
        body = self.request("GET", self.PROJ + "/settings", path_params={"projectKey": project_key})
        return PublishedProjectSettings.from_json(body)

    def save_published_project_settings(self, project_key: str, body: dict[str, Any]) -> None:
        self.request("PUT", self.PROJ + "/settings", path_params={"projectKey": project_key}, json=body)

    def upload_bundle(self, file_part: str, project_key: str = "") -> Bundle:
        """POST /project-deployer/projects/bundles?filePart=…[&projectKey=…] (the file is read by DSS, not sent)."""
        params = {"filePart": file_part, "projectKey": project_key or None}
        return Bundle.from_json(self.request("POST", "/project-deployer/projects/bundles", params=params))

    def delete_bundle(self, project_key: str, bundle_id: str) -> None:
        self.request(
            "DELETE",
            self.PROJ + "/bundles/{bundleId}",
            path_params={"projectKey": project_key, "bundleId": bundle_id},
        )

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

    def get_infra_settings(self, infra_id: str) -> InfraSettings:
        return InfraSettings.from_json(self.request("GET", self.INFRA, path_params={"infraId": infra_id}))

    def save_infra_settings(self, infra_id: str, body: dict[str, Any]) -> None:
        self.request("PUT", self.INFRA, path_params={"infraId": infra_id}, json=body)

    def delete_infra(self, infra_id: str) -> None:
        self.request("DELETE", self.INFRA, path_params={"infraId": infra_id})

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


def get_client() -> DeployerClient:
    return cached_client("dss", lambda: DeployerClient(**client_options(settings.DSS)))


def list_deployments() -> list[Deployment]:
    """Module-level shortcut kept for callers of the first client. Raises `UpstreamError`."""
    return get_client().list_deployments()


def get_deployment_status(deployment_id: str) -> DeploymentStatus:
    """Module-level shortcut kept for callers of the first client. Raises `UpstreamError`."""
    return get_client().get_deployment_status(deployment_id)
