"""Govern handlers for blueprints and their versions: list, create, read, update, delete."""

from __future__ import annotations

import copy
import re

from sandbox.clock import now_ms
from sandbox.govern.lookups import blueprint_of, blueprint_view
from sandbox.http import Call, bad_request, no_content, not_found


def list_blueprints(call: Call):
    """GET /blueprints"""
    keys = ("id", "name", "description", "artifactCount", "icon")
    return [
        {k: v for k, v in blueprint_view(call.store, bp).items() if k in keys}
        for bp in call.store.govern["blueprints"].values()
    ]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "blueprint"


def create_blueprint(call: Call):
    """POST /blueprints: the id is derived from the name."""
    blueprints = call.store.govern["blueprints"]
    base = f"bp-{_slug(call.body['name'])}"
    bp_id, n = base, 2
    while bp_id in blueprints:
        bp_id, n = f"{base}-{n}", n + 1
    blueprints[bp_id] = {
        "id": bp_id,
        "name": call.body["name"],
        "description": call.body.get("description", ""),
        "icon": call.body.get("icon", "default"),
        "fieldSettings": [],
        "signOffConfiguration": {"steps": []},
        "workflowConfiguration": copy.deepcopy(next(iter(blueprints.values()))["workflowConfiguration"])
        if blueprints
        else {"statuses": [], "transitions": []},
    }
    call.store.govern["versions"][bp_id] = {}
    return blueprint_view(call.store, blueprints[bp_id])


def get_blueprint(call: Call):
    """GET /blueprints/{blueprintId}"""
    return blueprint_view(call.store, blueprint_of(call))


def update_blueprint(call: Call):
    """PUT /blueprints/{blueprintId}: replaces the editable parts; id and artifactCount are read-only."""
    bp = blueprint_of(call)
    if call.body.get("id", bp["id"]) != bp["id"]:
        raise bad_request("blueprint id cannot be changed")
    for key in ("name", "description", "icon", "fieldSettings", "signOffConfiguration", "workflowConfiguration"):
        if key in call.body:
            bp[key] = copy.deepcopy(call.body[key])
    return blueprint_view(call.store, bp)


def delete_blueprint(call: Call):
    """DELETE /blueprints/{blueprintId}: also deletes its versions and its artifacts."""
    bp = blueprint_of(call)
    gov = call.store.govern
    del gov["blueprints"][bp["id"]]
    gov["versions"].pop(bp["id"], None)
    for art_id in [a["id"] for a in gov["artifacts"].values() if a["blueprintId"] == bp["id"]]:
        del gov["artifacts"][art_id]
        del gov["signOffs"][art_id]
    return no_content()


def list_versions(call: Call):
    """GET /blueprints/{blueprintId}/versions"""
    bp = blueprint_of(call)
    return [
        {k: v[k] for k in ("id", "versionNumber", "status", "createdOn")}
        for v in call.store.govern["versions"][bp["id"]].values()
    ]


def create_version(call: Call):
    """POST /blueprints/{blueprintId}/versions: a new DRAFT, copied from ``originVersionId`` or the blueprint."""
    bp = blueprint_of(call)
    versions = call.store.govern["versions"][bp["id"]]
    origin_id = call.body.get("originVersionId")
    if origin_id is not None and origin_id not in versions:
        raise bad_request(f"unknown originVersionId {origin_id!r} for blueprint {bp['id']}")
    origin = versions[origin_id] if origin_id else bp
    number = max((v["versionNumber"] for v in versions.values()), default=0) + 1
    version = {
        "id": f"{bp['id']}-v{number}",
        "blueprintId": bp["id"],
        "versionNumber": number,
        "status": "DRAFT",
        "fieldSettings": copy.deepcopy(origin["fieldSettings"]),
        "signOffConfiguration": copy.deepcopy(origin["signOffConfiguration"]),
        "createdOn": now_ms(),
    }
    versions[version["id"]] = version
    return copy.deepcopy(version)


def get_version(call: Call):
    """GET /blueprints/{blueprintId}/versions/{versionId}"""
    bp = blueprint_of(call)
    version = call.store.govern["versions"][bp["id"]].get(call.params["versionId"])
    if version is None:
        raise not_found("Blueprint version", f"{bp['id']}/{call.params['versionId']}")
    return copy.deepcopy(version)
