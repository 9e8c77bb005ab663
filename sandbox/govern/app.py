"""The Govern WSGI app: the contract's operation ids wired to their handlers."""

from __future__ import annotations

from sandbox.govern import artifacts, blueprints, directory, signoffs
from sandbox.govern.auth import authenticate
from sandbox.http import UpstreamApp
from sandbox.state import Store

BASE_PATH = "/public/api"

HANDLERS = {
    "listBlueprints": blueprints.list_blueprints,
    "createBlueprint": blueprints.create_blueprint,
    "getBlueprint": blueprints.get_blueprint,
    "updateBlueprint": blueprints.update_blueprint,
    "deleteBlueprint": blueprints.delete_blueprint,
    "listBlueprintVersions": blueprints.list_versions,
    "createBlueprintVersion": blueprints.create_version,
    "getBlueprintVersion": blueprints.get_version,
    "listArtifacts": artifacts.list_artifacts,
    "createArtifact": artifacts.create_artifact,
    "getArtifact": artifacts.get_artifact,
    "updateArtifact": artifacts.update_artifact,
    "deleteArtifact": artifacts.delete_artifact,
    "getArtifactCustomFields": artifacts.get_custom_fields,
    "setArtifactCustomFields": artifacts.set_custom_fields,
    "listArtifactSignOffs": signoffs.list_sign_offs,
    "getArtifactSignOff": signoffs.get_sign_off,
    "delegateSignOff": signoffs.delegate_sign_off,
    "addSignOffReview": signoffs.add_review,
    "listRoles": directory.list_roles,
    "listGovernUsers": directory.list_users,
}


def build_app(store: Store) -> UpstreamApp:
    """The Govern WSGI app."""
    return UpstreamApp("govern", store, "govern", BASE_PATH, HANDLERS, authenticate)
