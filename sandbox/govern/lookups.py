"""Govern lookups shared by the handlers: the blueprint, artifact or step of a call (404), versions, reviewers."""

from __future__ import annotations

import copy

from sandbox.http import Call, not_found
from sandbox.state import Store


def blueprint_of(call: Call) -> dict:
    """The blueprint named by the ``blueprintId`` path parameter."""
    bp_id = call.params["blueprintId"]
    try:
        return call.store.govern["blueprints"][bp_id]
    except KeyError:
        raise not_found("Blueprint", bp_id) from None


def artifact_of(call: Call) -> dict:
    """The artifact named by the ``artifactId`` path parameter."""
    art_id = call.params["artifactId"]
    try:
        return call.store.govern["artifacts"][art_id]
    except KeyError:
        raise not_found("Artifact", art_id) from None


def step_of(call: Call) -> dict:
    """The sign-off entry named by the ``artifactId`` and ``signOffStepId`` path parameters."""
    art = artifact_of(call)
    step_id = call.params["signOffStepId"]
    for entry in call.store.govern["signOffs"][art["id"]]:
        if entry["stepId"] == step_id:
            return entry
    raise not_found("Sign-off step", f"{art['id']}/{step_id}")


def _artifact_count(store: Store, bp_id: str) -> int:
    return sum(1 for art in store.govern["artifacts"].values() if art["blueprintId"] == bp_id)


def blueprint_view(store: Store, bp: dict) -> dict:
    """A blueprint as the API returns it, with its ``artifactCount``."""
    return {**copy.deepcopy(bp), "artifactCount": _artifact_count(store, bp["id"])}


def version_for(store: Store, art: dict) -> dict:
    """The artifact's blueprint version (an empty one if it is gone)."""
    versions = store.govern["versions"].get(art["blueprintId"], {})
    return versions.get(art["blueprintVersionId"]) or {"fieldSettings": [], "signOffConfiguration": {"steps": []}}


def required_reviewers(store: Store, art_id: str, step_id: str) -> int:
    """Approvals a step needs, from the artifact's blueprint version (at least one)."""
    version = version_for(store, store.govern["artifacts"][art_id])
    for step in version["signOffConfiguration"]["steps"]:
        if step["id"] == step_id:
            return max(1, int(step.get("requiredReviewers", 1)))
    return 1
