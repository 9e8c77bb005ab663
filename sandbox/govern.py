"""Govern stand-in: blueprints, versions, artifacts, custom fields, sign-offs, roles and users."""

from __future__ import annotations

import copy
import datetime as dt
import re
import time

from sandbox.http import Call, UpstreamApp, bad_request, no_content, not_found
from sandbox.state import Store

BASE_PATH = "/public/api"
SERVICE_KEY = "govern-service-key"
SERVICE_ACCOUNT = "svc-portal"
USER_KEY_PREFIX = "govern-key-"


def now_ms() -> int:
    """Current time in epoch milliseconds."""
    return int(time.time() * 1000)


def authenticate(store: Store, key: str) -> str | None:
    """Map a key to a Govern login: the service key, or ``govern-key-<login>`` for any existing user."""
    if key == SERVICE_KEY:
        return SERVICE_ACCOUNT
    if key.startswith(USER_KEY_PREFIX):
        login = key.removeprefix(USER_KEY_PREFIX)
        with store.lock:
            if login in store.govern["users"]:
                return login
    return None


# ----------------------------------------------------------------------------------------- lookups


def _blueprint(call: Call) -> dict:
    bp_id = call.params["blueprintId"]
    try:
        return call.store.govern["blueprints"][bp_id]
    except KeyError:
        raise not_found("Blueprint", bp_id) from None


def _artifact(call: Call) -> dict:
    art_id = call.params["artifactId"]
    try:
        return call.store.govern["artifacts"][art_id]
    except KeyError:
        raise not_found("Artifact", art_id) from None


def _step(call: Call) -> dict:
    art = _artifact(call)
    step_id = call.params["signOffStepId"]
    for entry in call.store.govern["signOffs"][art["id"]]:
        if entry["stepId"] == step_id:
            return entry
    raise not_found("Sign-off step", f"{art['id']}/{step_id}")


def _artifact_count(store: Store, bp_id: str) -> int:
    return sum(1 for art in store.govern["artifacts"].values() if art["blueprintId"] == bp_id)


def _blueprint_view(store: Store, bp: dict) -> dict:
    return {**copy.deepcopy(bp), "artifactCount": _artifact_count(store, bp["id"])}


def _version_for(store: Store, art: dict) -> dict:
    versions = store.govern["versions"].get(art["blueprintId"], {})
    return versions.get(art["blueprintVersionId"]) or {"fieldSettings": [], "signOffConfiguration": {"steps": []}}


# ----------------------------------------------------------------------------------------- custom fields

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _check_value(field: dict, value, logins) -> str | None:
    """Why ``value`` does not fit ``field`` (None if it does). ``None`` values clear a field and always fit."""
    ftype, options = field["type"], field.get("options", [])
    if value is None:
        return None
    if ftype in ("TEXT", "LONG_TEXT"):
        ok = isinstance(value, str)
    elif ftype == "NUMBER":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif ftype == "BOOLEAN":
        ok = isinstance(value, bool)
    elif ftype == "DATE":
        ok = isinstance(value, str) and bool(_DATE.match(value)) and _is_date(value)
    elif ftype == "SELECT":
        ok = value in options
    elif ftype == "MULTISELECT":
        ok = isinstance(value, list) and all(item in options for item in value)
    elif ftype == "USER":
        ok = value in logins
    elif ftype == "USERS":
        ok = isinstance(value, list) and all(item in logins for item in value)
    else:
        ok = True
    return None if ok else f"invalid value for {ftype} field {field['id']}: {value!r}"


def _is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _merge_custom_fields(store: Store, version: dict, current: dict, changes: dict) -> dict:
    """Validate ``changes`` against the version's field settings and merge them (``null`` removes a value)."""
    fields = {field["id"]: field for field in version["fieldSettings"]}
    logins = store.govern["users"]
    merged = dict(current)
    for fid, value in changes.items():
        if fid not in fields:
            raise bad_request(f"unknown custom field {fid!r} (known: {', '.join(fields) or 'none'})")
        problem = _check_value(fields[fid], value, logins)
        if problem:
            raise bad_request(problem)
        if value is None:
            merged.pop(fid, None)
        else:
            merged[fid] = value
    return merged


# ----------------------------------------------------------------------------------------- blueprints


def list_blueprints(call: Call):
    """GET /blueprints"""
    keys = ("id", "name", "description", "artifactCount", "icon")
    return [
        {k: v for k, v in _blueprint_view(call.store, bp).items() if k in keys}
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
    return _blueprint_view(call.store, blueprints[bp_id])


def get_blueprint(call: Call):
    """GET /blueprints/{blueprintId}"""
    return _blueprint_view(call.store, _blueprint(call))


def update_blueprint(call: Call):
    """PUT /blueprints/{blueprintId}: replaces the editable parts; id and artifactCount are read-only."""
    bp = _blueprint(call)
    if call.body.get("id", bp["id"]) != bp["id"]:
        raise bad_request("blueprint id cannot be changed")
    for key in ("name", "description", "icon", "fieldSettings", "signOffConfiguration", "workflowConfiguration"):
        if key in call.body:
            bp[key] = copy.deepcopy(call.body[key])
    return _blueprint_view(call.store, bp)


def delete_blueprint(call: Call):
    """DELETE /blueprints/{blueprintId}: also deletes its versions and its artifacts."""
    bp = _blueprint(call)
    gov = call.store.govern
    del gov["blueprints"][bp["id"]]
    gov["versions"].pop(bp["id"], None)
    for art_id in [a["id"] for a in gov["artifacts"].values() if a["blueprintId"] == bp["id"]]:
        del gov["artifacts"][art_id]
        del gov["signOffs"][art_id]
    return no_content()


def list_versions(call: Call):
    """GET /blueprints/{blueprintId}/versions"""
    bp = _blueprint(call)
    return [
        {k: v[k] for k in ("id", "versionNumber", "status", "createdOn")}
        for v in call.store.govern["versions"][bp["id"]].values()
    ]


def create_version(call: Call):
    """POST /blueprints/{blueprintId}/versions: a new DRAFT, copied from ``originVersionId`` or the blueprint."""
    bp = _blueprint(call)
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
    bp = _blueprint(call)
    version = call.store.govern["versions"][bp["id"]].get(call.params["versionId"])
    if version is None:
        raise not_found("Blueprint version", f"{bp['id']}/{call.params['versionId']}")
    return copy.deepcopy(version)


# ----------------------------------------------------------------------------------------- artifacts


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
        "customFields": _merge_custom_fields(call.store, version, {}, call.body.get("customFields") or {}),
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
    return copy.deepcopy(_artifact(call))


def update_artifact(call: Call):
    """PUT /artifacts/{artifactId}: name, status, version and custom fields; ids and creation data are read-only."""
    art = _artifact(call)
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
        custom = _merge_custom_fields(call.store, versions[version_id], {}, body["customFields"] or {})
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
    art = _artifact(call)
    del call.store.govern["artifacts"][art["id"]]
    del call.store.govern["signOffs"][art["id"]]
    return no_content()


def get_custom_fields(call: Call):
    """GET /artifacts/{artifactId}/custom-fields"""
    return copy.deepcopy(_artifact(call)["customFields"])


def set_custom_fields(call: Call):
    """PUT /artifacts/{artifactId}/custom-fields: merges, type-checked against the artifact's blueprint version."""
    art = _artifact(call)
    version = _version_for(call.store, art)
    art["customFields"] = _merge_custom_fields(call.store, version, art["customFields"], call.body)
    art.update(lastModifiedOn=now_ms(), lastModifiedBy=call.caller)
    return copy.deepcopy(art["customFields"])


# ----------------------------------------------------------------------------------------- sign-offs


def list_sign_offs(call: Call):
    """GET /artifacts/{artifactId}/sign-offs"""
    return copy.deepcopy(call.store.govern["signOffs"][_artifact(call)["id"]])


def get_sign_off(call: Call):
    """GET /artifacts/{artifactId}/sign-offs/{signOffStepId}"""
    return copy.deepcopy(_step(call))


def delegate_sign_off(call: Call):
    """POST …/delegate: sets DELEGATED and ``delegatedTo``; decided steps and unknown logins are 400."""
    entry = _step(call)
    if entry["status"] in ("APPROVED", "REJECTED"):
        raise bad_request(f"sign-off step {entry['stepId']} is already {entry['status']}; it cannot be delegated")
    delegate = call.body["delegateTo"]
    if delegate not in call.store.govern["users"]:
        raise bad_request(f"unknown user {delegate!r}")
    entry["status"] = "DELEGATED"
    entry["delegatedTo"] = delegate
    return copy.deepcopy(entry)


def add_review(call: Call):
    """POST …/reviews: the sign-off state machine described in README.md."""
    entry = _step(call)
    reviewer = call.caller
    service = reviewer == SERVICE_ACCOUNT
    if entry["status"] in ("APPROVED", "REJECTED"):
        raise bad_request(f"sign-off step {entry['stepId']} is already {entry['status']}; no more reviews accepted")
    if entry["status"] == "DELEGATED" and not service and reviewer != entry.get("delegatedTo"):
        raise bad_request(
            f"sign-off step {entry['stepId']} is delegated to {entry.get('delegatedTo')}; {reviewer} may not review it"
        )
    if not service and any(review["reviewer"] == reviewer for review in entry["reviews"]):
        raise bad_request(f"{reviewer} has already reviewed sign-off step {entry['stepId']}")
    review = {"reviewer": reviewer, "outcome": call.body["outcome"], "reviewedOn": now_ms()}
    if "comment" in call.body:
        review["comment"] = call.body["comment"]
    entry["reviews"].append(review)
    approvals = sum(1 for r in entry["reviews"] if r["outcome"] == "APPROVED")
    if any(r["outcome"] == "REJECTED" for r in entry["reviews"]):
        entry["status"] = "REJECTED"
    elif approvals >= _required_reviewers(call.store, _artifact(call)["id"], entry["stepId"]):
        entry["status"] = "APPROVED"
    else:
        entry["status"] = "IN_PROGRESS"
    return dict(review)


# ----------------------------------------------------------------------------------------- roles, users


def list_roles(call: Call):
    """GET /roles"""
    return copy.deepcopy(list(call.store.govern["roles"].values()))


def list_users(call: Call):
    """GET /users"""
    return copy.deepcopy(list(call.store.govern["users"].values()))


# ----------------------------------------------------------------------------------------- wiring

HANDLERS = {
    "listBlueprints": list_blueprints,
    "createBlueprint": create_blueprint,
    "getBlueprint": get_blueprint,
    "updateBlueprint": update_blueprint,
    "deleteBlueprint": delete_blueprint,
    "listBlueprintVersions": list_versions,
    "createBlueprintVersion": create_version,
    "getBlueprintVersion": get_version,
    "listArtifacts": list_artifacts,
    "createArtifact": create_artifact,
    "getArtifact": get_artifact,
    "updateArtifact": update_artifact,
    "deleteArtifact": delete_artifact,
    "getArtifactCustomFields": get_custom_fields,
    "setArtifactCustomFields": set_custom_fields,
    "listArtifactSignOffs": list_sign_offs,
    "getArtifactSignOff": get_sign_off,
    "delegateSignOff": delegate_sign_off,
    "addSignOffReview": add_review,
    "listRoles": list_roles,
    "listGovernUsers": list_users,
}


def build_app(store: Store) -> UpstreamApp:
    """The Govern WSGI app."""
    return UpstreamApp("govern", store, "govern", BASE_PATH, HANDLERS, authenticate)


def summary(store: Store) -> dict:
    """Ids by sign-off status and by artifact status, so tests need not hard-code seed details."""
    with store.lock:
        gov = store.govern
        by_status: dict[str, list] = {}
        for art_id, entries in gov["signOffs"].items():
            for entry in entries:
                item = {
                    "artifactId": art_id,
                    "stepId": entry["stepId"],
                    "reviews": len(entry["reviews"]),
                    "requiredReviewers": _required_reviewers(store, art_id, entry["stepId"]),
                }
                if entry.get("delegatedTo"):
                    item["delegatedTo"] = entry["delegatedTo"]
                by_status.setdefault(entry["status"], []).append(item)
        artifacts: dict[str, list] = {}
        for art in gov["artifacts"].values():
            artifacts.setdefault(art["status"], []).append(art["id"])
        return {
            "signOffs": by_status,
            "artifactsByStatus": artifacts,
            "hostileArtifact": "art-0007" if "art-0007" in gov["artifacts"] else None,
            "users": sorted(gov["users"]),
            "blueprints": sorted(gov["blueprints"]),
        }


def _required_reviewers(store: Store, art_id: str, step_id: str) -> int:
    """Approvals a step needs, from the artifact's blueprint version (at least one)."""
    version = _version_for(store, store.govern["artifacts"][art_id])
    for step in version["signOffConfiguration"]["steps"]:
        if step["id"] == step_id:
            return max(1, int(step.get("requiredReviewers", 1)))
    return 1
