"""Govern handlers for artifacts and their custom fields: list, create, read, update, delete."""

from __future__ import annotations

import copy

from sandbox.clock import now_ms
from sandbox.govern.fields import merge_custom_fields
from sandbox.govern.lookups import artifact_of, version_for
from sandbox.http import Call, bad_request, no_content


def _summary(art: dict) -> dict:
    return {k: art[k] for k in ("id", "name", "blueprintId", "status", "createdOn", "createdBy")}


def list_artifacts(call: Call):
    """GET /artifacts[?blueprintId=]"""
    wanted = call.request.args.get("blueprintId")
    return [
        _summary(art)
        for art in call.store.govern["artifacts"].values()
        if wanted is None or art["blueprintId"] == wanted
    ]


def _sign_offs_for(version: dict) -> list:
    return [
        {"stepId": step["id"], "stepName": step["name"], "status": "NOT_STARTED", "reviews": []}
        for step in version["signOffConfiguration"]["steps"]
    ]


def create_artifact(call: Call):
    """POST /artifacts: defaults to the blueprint's PUBLISHED version; sign-off steps start NOT_STARTED."""
    gov = call.store.govern
    bp_id = call.body["blueprintId"]
    if bp_id not in gov["blueprints"]:
        raise bad_request(f"unknown blueprintId {bp_id!r}")
    versions = gov["versions"][bp_id]
    version_id = call.body.get("blueprintVersionId")
    if version_id is None:
        published = [v for v in versions.values() if v["status"] == "PUBLISHED"] or list(versions.values())
        if not published:
            raise bad_request(f"blueprint {bp_id} has no version")
        version_id = published[-1]["id"]
    if version_id not in versions:
        raise bad_request(f"unknown blueprintVersionId {version_id!r} for blueprint {bp_id}")
    version = versions[version_id]
    number = gov["nextArtifact"]
    while f"art-{number:04d}" in gov["artifacts"]:
        number += 1
    gov["nextArtifact"] = number + 1
    art_id = f"art-{number:04d}"
    stamp = now_ms()
    art = {
        "id": art_id,
        "name": call.body["name"],
        "blueprintId": bp_id,
        "blueprintVersionId": version_id,
        "status": "draft",
        "customFields": merge_custom_fields(call.store, version, {}, call.body.get("customFields") or {}),
        "createdOn": stamp,
        "createdBy": call.caller,
        "lastModifiedOn": stamp,
        "lastModifiedBy": call.caller,
    }
    gov["artifacts"][art_id] = art
    gov["signOffs"][art_id] = _sign_offs_for(version)
    return copy.deepcopy(art)


def get_artifact(call: Call):
    """GET /artifacts/{artifactId}"""
    return copy.deepcopy(artifact_of(call))


def update_artifact(call: Call):
    """PUT /artifacts/{artifactId}: name, status, version and custom fields; ids and creation data are read-only."""
    art = artifact_of(call)
    body = call.body
    if body.get("id", art["id"]) != art["id"] or body.get("blueprintId", art["blueprintId"]) != art["blueprintId"]:
        raise bad_request("id and blueprintId cannot be changed")
    versions = call.store.govern["versions"].get(art["blueprintId"], {})
    version_id = body.get("blueprintVersionId", art["blueprintVersionId"])
    if version_id not in versions:
        raise bad_request(f"unknown blueprintVersionId {version_id!r}")
    bp = call.store.govern["blueprints"][art["blueprintId"]]
    statuses = [s["id"] for s in bp["workflowConfiguration"].get("statuses", [])]
    if "status" in body and statuses and body["status"] not in statuses:
        raise bad_request(f"unknown status {body['status']!r} (known: {', '.join(statuses)})")
    custom = art["customFields"]
    if "customFields" in body:
        custom = merge_custom_fields(call.store, versions[version_id], {}, body["customFields"] or {})
    art.update(
        name=body.get("name", art["name"]),
        status=body.get("status", art["status"]),
        blueprintVersionId=version_id,
        customFields=custom,
        lastModifiedOn=now_ms(),
        lastModifiedBy=call.caller,
    )
    return copy.deepcopy(art)


def delete_artifact(call: Call):
    """DELETE /artifacts/{artifactId}"""
    art = artifact_of(call)
    del call.store.govern["artifacts"][art["id"]]
    del call.store.govern["signOffs"][art["id"]]
    return no_content()


def get_custom_fields(call: Call):
    """GET /artifacts/{artifactId}/custom-fields"""
    return copy.deepcopy(artifact_of(call)["customFields"])


def set_custom_fields(call: Call):
    """PUT /artifacts/{artifactId}/custom-fields: merges, type-checked against the artifact's blueprint version."""
    art = artifact_of(call)
    version = version_for(call.store, art)
    art["customFields"] = merge_custom_fields(call.store, version, art["customFields"], call.body)
    art.update(lastModifiedOn=now_ms(), lastModifiedBy=call.caller)
    return copy.deepcopy(art["customFields"])
