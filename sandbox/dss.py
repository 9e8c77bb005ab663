"""DSS Project Deployer stand-in: deployments, published projects and bundles, infras, stages and futures."""

from __future__ import annotations

import copy
import posixpath
import time

from sandbox import futures
from sandbox.http import DSS_HEADERS, Call, UpstreamApp, bad_request, no_content, not_found
from sandbox.seed import HEALTH_VALUES, health_messages, version_tag
from sandbox.state import Store

BASE_PATH = "/public/api"
SERVICE_KEY = "dss-service-key"
SERVICE_LOGIN = "svc-portal"
SERVICE_DISPLAY = "Portal service account"
DRIFT_BATCH = 2  # deployments whose health changes per drift tick


def authenticate(store: Store, key: str) -> str | None:
    """The DSS service key is the only key."""
    return SERVICE_LOGIN if key == SERVICE_KEY else None


def now_ms() -> int:
    """Current time in epoch milliseconds."""
    return int(time.time() * 1000)


def _bump(tag: dict) -> dict:
    return version_tag(tag["versionNumber"] + 1, SERVICE_LOGIN, now_ms(), SERVICE_DISPLAY)


# ----------------------------------------------------------------------------------------- views


def _get(store: Store, kind: str, collection: str, ident: str) -> dict:
    try:
        return store.dss[collection][ident]
    except KeyError:
        raise not_found(kind, ident) from None


def project_basic_info(project: dict) -> dict:
    """PublishedProjectBasicInfo."""
    return {
        "id": project["id"],
        "name": project["name"],
        "creationTag": copy.deepcopy(project["creationTag"]),
        "versionTag": copy.deepcopy(project["versionTag"]),
        "bundleIds": [bundle["id"] for bundle in project["bundles"]],
        "imageInfo": dict(project["imageInfo"]),
    }


def infra_basic_info(infra: dict) -> dict:
    """InfraBasicInfo."""
    return {
        "id": infra["id"],
        "stage": infra["stage"],
        "automationNodeUrl": infra["automationNodeUrl"],
        "defaultConnectionRemapping": copy.deepcopy(infra["defaultConnectionRemapping"]),
    }


def deployment_basic_info(dep: dict) -> dict:
    """DeploymentBasicInfo."""
    settings = dep["settings"]
    info = {key: copy.deepcopy(settings[key]) for key in (
        "id", "infraId", "tags", "creationTag", "versionTag", "bundleId", "publishedProjectKey", "deployedProjectKey")}
    info["createdByDisplayName"] = dep["createdByDisplayName"]
    info["lastModifiedByDisplayName"] = dep["lastModifiedByDisplayName"]
    return info


def deployment_view(store: Store, dep: dict) -> dict:
    """Deployment."""
    settings = dep["settings"]
    project = store.dss["projects"][settings["publishedProjectKey"]]
    return {
        "projectBasicInfo": project_basic_info(project),
        "infraBasicInfo": infra_basic_info(store.dss["infras"][settings["infraId"]]),
        "deploymentBasicInfo": deployment_basic_info(dep),
        "packages": copy.deepcopy(project["bundles"]),
        "neverEverDeployed": dep["neverEverDeployed"],
    }


def _deployments_where(store: Store, key: str, value: str) -> list:
    return [dep for dep in store.dss["deployments"].values() if dep["settings"][key] == value]


def project_view(store: Store, project: dict) -> dict:
    """PublishedProject."""
    deps = _deployments_where(store, "publishedProjectKey", project["id"])
    infra_ids = sorted({dep["settings"]["infraId"] for dep in deps})
    return {
        "projectBasicInfo": project_basic_info(project),
        "packages": copy.deepcopy(project["bundles"]),
        "deployments": [deployment_basic_info(dep) for dep in deps],
        "infras": [infra_basic_info(store.dss["infras"][i]) for i in infra_ids],
        "isAdmin": True,
        "canDeploy": True,
        "canWrite": True,
    }


def project_settings_view(project: dict) -> dict:
    """PublishedProjectSettings."""
    return copy.deepcopy({key: project[key] for key in (
        "id", "name", "permissions", "owner", "versionTag", "creationTag", "basicImageInfo")})


def infra_summary(store: Store, infra: dict) -> dict:
    """InfraSummary."""
    return {
        "infraBasicInfo": infra_basic_info(infra),
        "deployments": [deployment_basic_info(d) for d in _deployments_where(store, "infraId", infra["id"])],
        "isAdmin": True,
        "canDeploy": True,
    }


_INFRA_SETTINGS = ("id", "permissions", "creationTag", "versionTag", "autoconfigureFromNodesDirectory", "nodeId",
                   "automationNodeUrl", "adminApiKey", "trustAllSSLCertificates")


def infra_settings_view(infra: dict) -> dict:
    """InfraSettings, plus ``stage`` (DSS returns more attributes than documented)."""
    view = {key: copy.deepcopy(infra[key]) for key in _INFRA_SETTINGS}
    view["stage"] = infra["stage"]
    return view


# ----------------------------------------------------------------------------------------- deployments


def list_deployments(call: Call):
    """GET /project-deployer/deployments"""
    return [deployment_view(call.store, dep) for dep in call.store.dss["deployments"].values()]


def _require(body: dict, *keys: str) -> None:
    missing = [key for key in keys if not body.get(key)]
    if missing:
        raise bad_request(f"missing required field(s): {', '.join(missing)}")


def _check_refs(store: Store, project_key: str, infra_id: str, bundle_id: str) -> None:
    project = store.dss["projects"].get(project_key)
    if project is None:
        raise bad_request(f"unknown published project {project_key!r}")
    if infra_id not in store.dss["infras"]:
        raise bad_request(f"unknown infra {infra_id!r}")
    if bundle_id not in {bundle["id"] for bundle in project["bundles"]}:
        raise bad_request(f"unknown bundle {bundle_id!r} in published project {project_key}")


def create_deployment(call: Call):
    """POST /project-deployer/deployments: new deployments are never deployed, health UNKNOWN."""
    body = call.body
    _require(body, "deploymentId", "publishedProjectKey", "infraId", "bundleId")
    dep_id = body["deploymentId"]
    if dep_id in call.store.dss["deployments"]:
        raise bad_request(f"deployment {dep_id!r} already exists")
    _check_refs(call.store, body["publishedProjectKey"], body["infraId"], body["bundleId"])
    stamp = now_ms()
    settings = {
        "id": dep_id,
        "infraId": body["infraId"],
        "creationTag": version_tag(1, SERVICE_LOGIN, stamp, SERVICE_DISPLAY),
        "versionTag": version_tag(1, SERVICE_LOGIN, stamp, SERVICE_DISPLAY),
        "tags": [],
        "publishedProjectKey": body["publishedProjectKey"],
        "bundleId": body["bundleId"],
        "deployedProjectKey": body.get("deployedProjectKey") or body["publishedProjectKey"],
        "projectFolderId": body.get("projectFolderId") or "ROOT",
        "disableAutomaticTriggers": False,
        "bundleContainerSettings": {
            "remapping": {"connections": [], "codeEnvs": []},
            "codeEnvsBehavior": {"envImportSpecificationMode": "SPECIFIED", "importTimeMode": "INSTALL_IF_MISS"},
        },
        "localVariables": {},
        "scenariosToActivate": {},
    }
    call.store.dss["deployments"][dep_id] = {
        "settings": settings,
        "createdByDisplayName": SERVICE_DISPLAY,
        "lastModifiedByDisplayName": SERVICE_DISPLAY,
        "deployedBundleId": None,
        "neverEverDeployed": True,
        "health": "UNKNOWN",
        "healthMessages": health_messages("UNKNOWN", dep_id),
        "monitoring": {"failed": [], "warning": [], "successful": [], "aborted": [], "running": []},
        "hasScenarios": False,
        "hasActiveScenarios": False,
    }
    return copy.deepcopy(settings)


def get_deployment(call: Call):
    """GET /project-deployer/deployments/{deploymentId}"""
    return deployment_view(call.store, _get(call.store, "Deployment", "deployments", call.params["deploymentId"]))


def delete_deployment(call: Call):
    """DELETE /project-deployer/deployments/{deploymentId}"""
    dep = _get(call.store, "Deployment", "deployments", call.params["deploymentId"])
    del call.store.dss["deployments"][dep["settings"]["id"]]
    return no_content()


def get_deployment_settings(call: Call):
    """GET /project-deployer/deployments/{deploymentId}/settings"""
    return copy.deepcopy(_get(call.store, "Deployment", "deployments", call.params["deploymentId"])["settings"])


def save_deployment_settings(call: Call):
    """PUT …/settings: id and published project are fixed; a bundle change makes the deployment OUT_OF_SYNC."""
    dep = _get(call.store, "Deployment", "deployments", call.params["deploymentId"])
    current, body = dep["settings"], call.body
    if body.get("id", current["id"]) != current["id"]:
        raise bad_request("deployment id cannot be changed")
    if body.get("publishedProjectKey", current["publishedProjectKey"]) != current["publishedProjectKey"]:
        raise bad_request("publishedProjectKey cannot be changed")
    merged = {**current, **copy.deepcopy(body)}
    _check_refs(call.store, merged["publishedProjectKey"], merged["infraId"], merged["bundleId"])
    merged["id"], merged["creationTag"] = current["id"], current["creationTag"]
    merged["versionTag"] = _bump(current["versionTag"])
    dep["settings"] = merged
    dep["lastModifiedByDisplayName"] = SERVICE_DISPLAY
    if dep["deployedBundleId"] and merged["bundleId"] != dep["deployedBundleId"]:
        dep["health"] = "OUT_OF_SYNC"
        dep["healthMessages"] = health_messages("OUT_OF_SYNC", current["id"], merged["bundleId"],
                                                dep["deployedBundleId"])
    return no_content()


def get_deployment_status(call: Call):
    """GET …/status"""
    dep = _get(call.store, "Deployment", "deployments", call.params["deploymentId"])
    return {
        "deploymentId": dep["settings"]["id"],
        "health": dep["health"],
        "healthMessages": copy.deepcopy(dep["healthMessages"]),
        "monitoring": copy.deepcopy(dep["monitoring"]),
        "hasScenarios": dep["hasScenarios"],
        "hasActiveScenarios": dep["hasActiveScenarios"],
    }


def update_deployment(call: Call):
    """POST …/actions/update: a future; ``{"synchronous": true}`` answers it finished."""
    dep = _get(call.store, "Deployment", "deployments", call.params["deploymentId"])
    synchronous = bool((call.body or {}).get("synchronous", False))
    return futures.view(futures.start(call.store, dep["settings"]["id"], call.caller, synchronous))


# ----------------------------------------------------------------------------------------- published projects


def list_projects(call: Call):
    """GET /project-deployer/projects"""
    return [project_view(call.store, project) for project in call.store.dss["projects"].values()]


def _new_project(key: str) -> dict:
    stamp = now_ms()
    return {
        "id": key,
        "name": key,
        "owner": SERVICE_LOGIN,
        "permissions": [],
        "creationTag": version_tag(1, SERVICE_LOGIN, stamp, SERVICE_DISPLAY),
        "versionTag": version_tag(1, SERVICE_LOGIN, stamp, SERVICE_DISPLAY),
        "basicImageInfo": {"imgColor": "#31439c", "imgPattern": 1, "showInitials": True},
        "imageInfo": {"objectImgHash": 0, "isUploadedImg": False, "defaultImgColor": "#31439c",
                      "imgColor": "#31439c", "showInitials": True, "imgPattern": 1},
        "bundles": [],
    }


def create_project(call: Call):
    """POST /project-deployer/projects"""
    _require(call.body, "publishedProjectKey")
    key = call.body["publishedProjectKey"]
    if key in call.store.dss["projects"]:
        raise bad_request(f"published project {key!r} already exists")
    call.store.dss["projects"][key] = _new_project(key)
    return project_settings_view(call.store.dss["projects"][key])


def get_project(call: Call):
    """GET /project-deployer/projects/{projectKey}"""
    return project_view(call.store, _get(call.store, "Published project", "projects", call.params["projectKey"]))


def delete_project(call: Call):
    """DELETE /project-deployer/projects/{projectKey}: refused (400) while a deployment uses it."""
    project = _get(call.store, "Published project", "projects", call.params["projectKey"])
    users = _deployments_where(call.store, "publishedProjectKey", project["id"])
    if users:
        raise bad_request(f"published project {project['id']} is used by {len(users)} deployment(s)")
    del call.store.dss["projects"][project["id"]]
    return no_content()


def get_project_settings(call: Call):
    """GET /project-deployer/projects/{projectKey}/settings"""
    return project_settings_view(_get(call.store, "Published project", "projects", call.params["projectKey"]))


def save_project_settings(call: Call):
    """PUT /project-deployer/projects/{projectKey}/settings"""
    project = _get(call.store, "Published project", "projects", call.params["projectKey"])
    if call.body.get("id", project["id"]) != project["id"]:
        raise bad_request("published project id cannot be changed")
    for key in ("name", "permissions", "owner", "basicImageInfo"):
        if key in call.body:
            project[key] = copy.deepcopy(call.body[key])
    project["versionTag"] = _bump(project["versionTag"])
    return no_content()


def upload_bundle(call: Call):
    """POST /project-deployer/projects/bundles?projectKey=&filePart=/path/<bundleId>.zip

    The sandbox never reads the file: the bundle id is the file name without ``.zip`` and, without ``projectKey``,
    the source project key is the name of the file's parent directory. A missing project is created.
    """
    file_part = call.request.args.get("filePart", "").strip()
    if not file_part:
        raise bad_request("query parameter filePart is required")
    name = posixpath.basename(file_part)
    bundle_id = name.removesuffix(".zip")
    key = call.request.args.get("projectKey") or posixpath.basename(posixpath.dirname(file_part))
    if not bundle_id or not key:
        raise bad_request(f"cannot derive a bundle id and project key from filePart {file_part!r}")
    project = call.store.dss["projects"].setdefault(key, _new_project(key))
    if any(bundle["id"] == bundle_id for bundle in project["bundles"]):
        raise bad_request(f"bundle {bundle_id!r} already exists in published project {key}")
    bundle = {
        "id": bundle_id,
        "publishedOn": now_ms(),
        "publishedBy": SERVICE_LOGIN,
        "designNodeInfo": {"projectKey": key, "nodeId": "design-01", "url": "http://design.example.com:11000"},
    }
    project["bundles"].append(bundle)
    project["versionTag"] = _bump(project["versionTag"])
    return copy.deepcopy(bundle)


def delete_bundle(call: Call):
    """DELETE /project-deployer/projects/{projectKey}/bundles/{bundleId}: refused (400) while deployed."""
    project = _get(call.store, "Published project", "projects", call.params["projectKey"])
    bundle_id = call.params["bundleId"]
    if not any(bundle["id"] == bundle_id for bundle in project["bundles"]):
        raise not_found("Bundle", f"{project['id']}/{bundle_id}")
    users = [dep["settings"]["id"] for dep in _deployments_where(call.store, "publishedProjectKey", project["id"])
             if bundle_id in (dep["settings"]["bundleId"], dep["deployedBundleId"])]
    if users:
        raise bad_request(f"bundle {bundle_id} is used by deployment(s) {', '.join(users)}")
    project["bundles"] = [bundle for bundle in project["bundles"] if bundle["id"] != bundle_id]
    return no_content()


# ----------------------------------------------------------------------------------------- infras


def list_stages(call: Call):
    """GET /project-deployer/infras/stages"""
    return copy.deepcopy(call.store.dss["stages"])


def list_infras(call: Call):
    """GET /project-deployer/infras"""
    return [infra_summary(call.store, infra) for infra in call.store.dss["infras"].values()]


def get_infra(call: Call):
    """POST /project-deployer/infras/{infraId} ("Get infra" is a POST in the contract)."""
    return infra_summary(call.store, _get(call.store, "Infra", "infras", call.params["infraId"]))


def get_infra_settings(call: Call):
    """GET /project-deployer/infras/{infraId}"""
    return infra_settings_view(_get(call.store, "Infra", "infras", call.params["infraId"]))


def _stage_ids(store: Store) -> list:
    return [stage["id"] for stage in store.dss["stages"]]


def save_infra_settings(call: Call):
    """PUT /project-deployer/infras/{infraId}"""
    infra = _get(call.store, "Infra", "infras", call.params["infraId"])
    body = call.body
    if body.get("id", infra["id"]) != infra["id"]:
        raise bad_request("infra id cannot be changed")
    if "stage" in body and body["stage"] not in _stage_ids(call.store):
        raise bad_request(f"unknown stage {body['stage']!r}")
    for key in ("permissions", "autoconfigureFromNodesDirectory", "nodeId", "automationNodeUrl", "adminApiKey",
                "trustAllSSLCertificates", "stage"):
        if key in body:
            infra[key] = copy.deepcopy(body[key])
    infra["versionTag"] = _bump(infra["versionTag"])
    return no_content()


def delete_infra(call: Call):
    """DELETE /project-deployer/infras/{infraId}: refused (400) while a deployment uses it."""
    infra = _get(call.store, "Infra", "infras", call.params["infraId"])
    users = _deployments_where(call.store, "infraId", infra["id"])
    if users:
        raise bad_request(f"infra {infra['id']} is used by {len(users)} deployment(s)")
    del call.store.dss["infras"][infra["id"]]
    return no_content()


def create_infra(call: Call):
    """POST /project-deployer/projects/infras"""
    body = call.body
    _require(body, "id", "stage")
    if body["id"] in call.store.dss["infras"]:
        raise bad_request(f"infra {body['id']!r} already exists")
    if body["stage"] not in _stage_ids(call.store):
        raise bad_request(f"unknown stage {body['stage']!r} (known: {', '.join(_stage_ids(call.store))})")
    stamp = now_ms()
    infra = {
        "id": body["id"],
        "stage": body["stage"],
        "permissions": [],
        "creationTag": version_tag(1, SERVICE_LOGIN, stamp, SERVICE_DISPLAY),
        "versionTag": version_tag(1, SERVICE_LOGIN, stamp, SERVICE_DISPLAY),
        "autoconfigureFromNodesDirectory": False,
        "nodeId": body["id"],
        "automationNodeUrl": body.get("automationNodeUrl", ""),
        "adminApiKey": body.get("apiKey", ""),
        "trustAllSSLCertificates": False,
        "defaultConnectionRemapping": [],
    }
    call.store.dss["infras"][infra["id"]] = infra
    return infra_settings_view(infra)


# ----------------------------------------------------------------------------------------- futures


def _future(call: Call) -> dict:
    try:
        return call.store.futures[call.params["jobId"]]
    except KeyError:
        raise not_found("Future", call.params["jobId"]) from None


def list_futures(call: Call):
    """GET /futures/?allUsers=&withScenarios=: the alive ones (the only key owns every future)."""
    all_users = call.query_bool("allUsers")
    call.query_bool("withScenarios")  # validated; no scenarios run in the sandbox
    return [
        futures.view(future)
        for future in call.store.futures.values()
        if future["state"] == "running" and (all_users or future["owner"] == call.caller)
    ]


def get_future(call: Call):
    """GET /futures/{jobId}?peek=: finished futures stay readable, with their result whatever ``peek`` says."""
    call.query_bool("peek")
    return futures.view(_future(call))


def abort_future(call: Call):
    """DELETE /futures/{jobId}"""
    future = _future(call)
    futures.abort(future)
    return futures.view(future)


# ----------------------------------------------------------------------------------------- time


def tick(store: Store) -> None:
    """Finish due futures and, with drift on, move a few idle deployments to another health."""
    futures.advance(store)
    if not store.config["drift"] or time.monotonic() - store.last_drift < store.config["drift_seconds"]:
        return
    store.last_drift = time.monotonic()
    busy = futures.busy_deployments(store)
    idle = [dep for dep_id, dep in store.dss["deployments"].items() if dep_id not in busy]
    for dep in store.drift_rng.sample(idle, min(DRIFT_BATCH, len(idle))):
        health = store.drift_rng.choice([h for h in HEALTH_VALUES if h != dep["health"]])
        dep["health"] = health
        dep["healthMessages"] = health_messages(health, dep["settings"]["id"], dep["settings"]["bundleId"],
                                                dep["deployedBundleId"] or "")


HANDLERS = {
    "listDeployments": list_deployments,
    "createDeployment": create_deployment,
    "getDeployment": get_deployment,
    "deleteDeployment": delete_deployment,
    "getDeploymentSettings": get_deployment_settings,
    "saveDeploymentSettings": save_deployment_settings,
    "getDeploymentStatus": get_deployment_status,
    "updateDeployment": update_deployment,
    "listPublishedProjects": list_projects,
    "createPublishedProject": create_project,
    "getPublishedProject": get_project,
    "deletePublishedProject": delete_project,
    "getPublishedProjectSettings": get_project_settings,
    "savePublishedProjectSettings": save_project_settings,
    "uploadBundle": upload_bundle,
    "deleteBundle": delete_bundle,
    "listStages": list_stages,
    "listInfras": list_infras,
    "getInfra": get_infra,
    "getInfraSettings": get_infra_settings,
    "saveInfraSettings": save_infra_settings,
    "deleteInfra": delete_infra,
    "createInfra": create_infra,
    "listTasksInProgress": list_futures,
    "getTaskStatus": get_future,
    "abortTask": abort_future,
}


def build_app(store: Store) -> UpstreamApp:
    """The DSS WSGI app. ``actions/update`` also accepts an empty body (asynchronous update)."""
    return UpstreamApp(
        "dss", store, "dss", BASE_PATH, HANDLERS, authenticate,
        extra_headers=DSS_HEADERS, before=futures.advance, optional_bodies=frozenset({"updateDeployment"}),
    )
