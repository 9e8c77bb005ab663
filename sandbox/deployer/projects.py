"""Deployer handlers for published projects and their bundles: list, create, read, delete, settings, upload."""

from __future__ import annotations

import copy
import posixpath

from sandbox.clock import now_ms
from sandbox.deployer.account import SERVICE_DISPLAY, SERVICE_LOGIN, bump
from sandbox.deployer.records import deployments_where, lookup, require
from sandbox.deployer.views import project_settings_view, project_view
from sandbox.http import Call, bad_request, no_content, not_found
from sandbox.seed import version_tag


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
    require(call.body, "publishedProjectKey")
    key = call.body["publishedProjectKey"]
    if key in call.store.dss["projects"]:
        raise bad_request(f"published project {key!r} already exists")
    call.store.dss["projects"][key] = _new_project(key)
    return project_settings_view(call.store.dss["projects"][key])


def get_project(call: Call):
    """GET /project-deployer/projects/{projectKey}"""
    return project_view(call.store, lookup(call.store, "Published project", "projects", call.params["projectKey"]))


def delete_project(call: Call):
    """DELETE /project-deployer/projects/{projectKey}: refused (400) while a deployment uses it."""
    project = lookup(call.store, "Published project", "projects", call.params["projectKey"])
    users = deployments_where(call.store, "publishedProjectKey", project["id"])
    if users:
        raise bad_request(f"published project {project['id']} is used by {len(users)} deployment(s)")
    del call.store.dss["projects"][project["id"]]
    return no_content()


def get_project_settings(call: Call):
    """GET /project-deployer/projects/{projectKey}/settings"""
    return project_settings_view(lookup(call.store, "Published project", "projects", call.params["projectKey"]))


def save_project_settings(call: Call):
    """PUT /project-deployer/projects/{projectKey}/settings"""
    project = lookup(call.store, "Published project", "projects", call.params["projectKey"])
    if call.body.get("id", project["id"]) != project["id"]:
        raise bad_request("published project id cannot be changed")
    for key in ("name", "permissions", "owner", "basicImageInfo"):
        if key in call.body:
            project[key] = copy.deepcopy(call.body[key])
    project["versionTag"] = bump(project["versionTag"])
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
    project["versionTag"] = bump(project["versionTag"])
    return copy.deepcopy(bundle)


def delete_bundle(call: Call):
    """DELETE /project-deployer/projects/{projectKey}/bundles/{bundleId}: refused (400) while deployed."""
    project = lookup(call.store, "Published project", "projects", call.params["projectKey"])
    bundle_id = call.params["bundleId"]
    if not any(bundle["id"] == bundle_id for bundle in project["bundles"]):
        raise not_found("Bundle", f"{project['id']}/{bundle_id}")
    users = [dep["settings"]["id"] for dep in deployments_where(call.store, "publishedProjectKey", project["id"])
             if bundle_id in (dep["settings"]["bundleId"], dep["deployedBundleId"])]
    if users:
        raise bad_request(f"bundle {bundle_id} is used by deployment(s) {', '.join(users)}")
    project["bundles"] = [bundle for bundle in project["bundles"] if bundle["id"] != bundle_id]
    return no_content()
