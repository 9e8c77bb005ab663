"""Deployer handlers for deployments: list, create, read, delete, settings, status and the update action."""

from __future__ import annotations

import copy

from sandbox.clock import now_ms
from sandbox.deployer import futures
from sandbox.deployer.account import SERVICE_DISPLAY, SERVICE_LOGIN, bump
from sandbox.deployer.records import lookup, require
from sandbox.deployer.views import deployment_view
from sandbox.http import Call, bad_request, no_content
from sandbox.seed import health_messages, version_tag
from sandbox.state import Store


def list_deployments(call: Call):
    """GET /project-deployer/deployments"""
    return [deployment_view(call.store, dep) for dep in call.store.dss["deployments"].values()]


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
    require(body, "deploymentId", "publishedProjectKey", "infraId", "bundleId")
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
    return deployment_view(call.store, lookup(call.store, "Deployment", "deployments", call.params["deploymentId"]))


def delete_deployment(call: Call):
    """DELETE /project-deployer/deployments/{deploymentId}"""
    dep = lookup(call.store, "Deployment", "deployments", call.params["deploymentId"])
    del call.store.dss["deployments"][dep["settings"]["id"]]
    return no_content()


def get_deployment_settings(call: Call):
    """GET /project-deployer/deployments/{deploymentId}/settings"""
    return copy.deepcopy(lookup(call.store, "Deployment", "deployments", call.params["deploymentId"])["settings"])


def save_deployment_settings(call: Call):
    """PUT …/settings: id and published project are fixed; a bundle change makes the deployment OUT_OF_SYNC."""
    dep = lookup(call.store, "Deployment", "deployments", call.params["deploymentId"])
    current, body = dep["settings"], call.body
    if body.get("id", current["id"]) != current["id"]:
        raise bad_request("deployment id cannot be changed")
    if body.get("publishedProjectKey", current["publishedProjectKey"]) != current["publishedProjectKey"]:
        raise bad_request("publishedProjectKey cannot be changed")
    merged = {**current, **copy.deepcopy(body)}
    _check_refs(call.store, merged["publishedProjectKey"], merged["infraId"], merged["bundleId"])
    merged["id"], merged["creationTag"] = current["id"], current["creationTag"]
    merged["versionTag"] = bump(current["versionTag"])
    dep["settings"] = merged
    dep["lastModifiedByDisplayName"] = SERVICE_DISPLAY
    if dep["deployedBundleId"] and merged["bundleId"] != dep["deployedBundleId"]:
        dep["health"] = "OUT_OF_SYNC"
        dep["healthMessages"] = health_messages("OUT_OF_SYNC", current["id"], merged["bundleId"],
                                                dep["deployedBundleId"])
    return no_content()


def get_deployment_status(call: Call):
    """GET …/status"""
    dep = lookup(call.store, "Deployment", "deployments", call.params["deploymentId"])
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
    dep = lookup(call.store, "Deployment", "deployments", call.params["deploymentId"])
    synchronous = bool((call.body or {}).get("synchronous", False))
    return futures.view(futures.start(call.store, dep["settings"]["id"], call.caller, synchronous))
