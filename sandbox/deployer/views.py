"""The Deployer's response shapes, built from the store: basic infos, Deployment, PublishedProject, InfraSummary."""

from __future__ import annotations

import copy

from sandbox.deployer.records import deployments_where
from sandbox.state import Store


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


def project_view(store: Store, project: dict) -> dict:
    """PublishedProject."""
    deps = deployments_where(store, "publishedProjectKey", project["id"])
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
        "deployments": [deployment_basic_info(d) for d in deployments_where(store, "infraId", infra["id"])],
        "isAdmin": True,
        "canDeploy": True,
    }


_INFRA_SETTINGS = ("id", "permissions", "creationTag", "versionTag", "autoconfigureFromNodesDirectory", "nodeId",
                   "automationNodeUrl", "adminApiKey", "trustAllSSLCertificates")


def infra_settings_view(infra: dict) -> dict:
    """InfraSettings, plus ``stage`` (the Deployer returns more attributes than documented)."""
    view = {key: copy.deepcopy(infra[key]) for key in _INFRA_SETTINGS}
    view["stage"] = infra["stage"]
    return view
