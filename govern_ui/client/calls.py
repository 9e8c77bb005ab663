"""The calls of the Govern client: one method per operation of the contract (sandbox/contracts/govern.openapi.yaml).

Every method returns the frozen dataclasses of `govern_ui.client.types` (or None for the operations the contract
answers without a body) and raises an `UpstreamError` subclass; a body of the wrong shape raises
`UpstreamBadResponse`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from govern_ui.client.types import (
    UPSTREAM,
    Artifact,
    ArtifactSummary,
    Blueprint,
    BlueprintSummary,
    BlueprintVersion,
    BlueprintVersionSummary,
    GovernUser,
    Role,
    SignOff,
    SignOffReview,
)
from portal.lib.parsing import Parser
from portal.lib.upstream import UpstreamClient, cached_client, client_options

_p = Parser(UPSTREAM)


def _drop_none(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if value is not None}


class GovernClient(UpstreamClient):
    """Every operation of the Govern API. Methods return dataclasses; errors are `portal.lib.upstream` errors."""

    # -- reads the portal uses -------------------------------------------------------------------------------------

    def list_blueprints(self) -> list[BlueprintSummary]:
        """`GET /blueprints`."""
        body = self.request("GET", "/blueprints")
        return [BlueprintSummary.from_json(item) for item in _p.objects(body, "blueprints")]

    def get_blueprint(self, blueprint_id: str) -> Blueprint:
        """`GET /blueprints/{blueprintId}`. Raises `UpstreamNotFound` for an unknown id."""
        body = self.request("GET", "/blueprints/{blueprintId}", path_params={"blueprintId": blueprint_id})
        return Blueprint.from_json(body)

    def list_blueprint_versions(self, blueprint_id: str) -> list[BlueprintVersionSummary]:
        """`GET /blueprints/{blueprintId}/versions`."""
        body = self.request("GET", "/blueprints/{blueprintId}/versions", path_params={"blueprintId": blueprint_id})
        return [BlueprintVersionSummary.from_json(item) for item in _p.objects(body, "blueprint versions")]

    def get_blueprint_version(self, blueprint_id: str, version_id: str) -> BlueprintVersion:
        """`GET /blueprints/{blueprintId}/versions/{versionId}`. Raises `UpstreamNotFound` for unknown ids."""
        body = self.request(
            "GET",
            "/blueprints/{blueprintId}/versions/{versionId}",
            path_params={"blueprintId": blueprint_id, "versionId": version_id},
        )
        return BlueprintVersion.from_json(body)

    def list_artifacts(self, blueprint_id: str | None = None) -> list[ArtifactSummary]:
        """`GET /artifacts[?blueprintId=]`: every artifact (the API does not page)."""
        body = self.request("GET", "/artifacts", params={"blueprintId": blueprint_id})
        return [ArtifactSummary.from_json(item) for item in _p.objects(body, "artifacts")]

    def get_artifact(self, artifact_id: str) -> Artifact:
        """`GET /artifacts/{artifactId}`. Raises `UpstreamNotFound` for an unknown id."""
        body = self.request("GET", "/artifacts/{artifactId}", path_params={"artifactId": artifact_id})
        return Artifact.from_json(body)

    def list_sign_offs(self, artifact_id: str) -> list[SignOff]:
        """`GET /artifacts/{artifactId}/sign-offs`: the steps in workflow order."""
        body = self.request("GET", "/artifacts/{artifactId}/sign-offs", path_params={"artifactId": artifact_id})
        return [SignOff.from_json(item) for item in _p.objects(body, "sign-offs")]

    def get_sign_off(self, artifact_id: str, step_id: str) -> SignOff:
        """`GET /artifacts/{artifactId}/sign-offs/{signOffStepId}`. Raises `UpstreamNotFound` for unknown ids."""
        body = self.request(
            "GET",
            "/artifacts/{artifactId}/sign-offs/{signOffStepId}",
            path_params={"artifactId": artifact_id, "signOffStepId": step_id},
        )
        return SignOff.from_json(body)

    def list_roles(self) -> list[Role]:
        """`GET /roles`."""
        return [Role.from_json(item) for item in _p.objects(self.request("GET", "/roles"), "roles")]

    def list_users(self) -> list[GovernUser]:
        """`GET /users`."""
        return [GovernUser.from_json(item) for item in _p.objects(self.request("GET", "/users"), "users")]

    # -- the review actions the portal sends ----------------------------------------------------------------------

    def delegate_sign_off(self, artifact_id: str, step_id: str, delegate_to: str, comment: str | None = None) -> None:
        """`POST …/delegate`. Raises `UpstreamRefused` (Govern's message) e.g. for an unknown login or decided step."""
        self.request(
            "POST",
            "/artifacts/{artifactId}/sign-offs/{signOffStepId}/delegate",
            path_params={"artifactId": artifact_id, "signOffStepId": step_id},
            json=_drop_none({"delegateTo": delegate_to, "comment": comment}),
        )

    def add_review(self, artifact_id: str, step_id: str, outcome: str, comment: str | None = None) -> SignOffReview:
        """`POST …/reviews` (never retried by the base client). Returns the recorded review.

        Raises `UpstreamRefused` with Govern's message when the review is not accepted (e.g. the step is decided).
        """
        body = self.request(
            "POST",
            "/artifacts/{artifactId}/sign-offs/{signOffStepId}/reviews",
            path_params={"artifactId": artifact_id, "signOffStepId": step_id},
            json=_drop_none({"outcome": outcome, "comment": comment}),
        )
        return SignOffReview.from_json(body)

    # -- used only by tests: create, change and delete --------------------------------------------------------------
    # The portal never writes blueprints or artifacts; these keep the client complete against the contract, so tests
    # (and the contract check of every operation) set up and read back state through the same typed calls.

    def create_blueprint(self, name: str, description: str | None = None, icon: str | None = None) -> Blueprint:
        """`POST /blueprints`; returns the created blueprint. Raises `UpstreamRefused` on a 400."""
        body = self.request(
            "POST", "/blueprints", json=_drop_none({"name": name, "description": description, "icon": icon})
        )
        return Blueprint.from_json(body)

    def update_blueprint(self, blueprint: Blueprint) -> None:
        """`PUT /blueprints/{blueprintId}` with the whole definition (the contract documents no response body)."""
        self.request(
            "PUT", "/blueprints/{blueprintId}", path_params={"blueprintId": blueprint.id}, json=blueprint.to_json()
        )

    def delete_blueprint(self, blueprint_id: str) -> None:
        """`DELETE /blueprints/{blueprintId}`. Raises `UpstreamNotFound` for an unknown id."""
        self.request("DELETE", "/blueprints/{blueprintId}", path_params={"blueprintId": blueprint_id})

    def create_blueprint_version(self, blueprint_id: str, origin_version_id: str | None = None) -> BlueprintVersion:
        """`POST /blueprints/{blueprintId}/versions`; returns the new (draft) version."""
        body = self.request(
            "POST",
            "/blueprints/{blueprintId}/versions",
            path_params={"blueprintId": blueprint_id},
            json=_drop_none({"originVersionId": origin_version_id}),
        )
        return BlueprintVersion.from_json(body)

    def create_artifact(
        self,
        name: str,
        blueprint_id: str,
        blueprint_version_id: str | None = None,
        custom_fields: dict[str, Any] | None = None,
    ) -> Artifact:
        """`POST /artifacts`; returns the created artifact. Raises `UpstreamRefused` on a 400."""
        body = self.request(
            "POST",
            "/artifacts",
            json=_drop_none(
                {
                    "name": name,
                    "blueprintId": blueprint_id,
                    "blueprintVersionId": blueprint_version_id,
                    "customFields": custom_fields,
                }
            ),
        )
        return Artifact.from_json(body)

    def update_artifact(self, artifact_id: str, changes: dict[str, Any]) -> None:
        """`PUT /artifacts/{artifactId}` with contract-named keys (name, status, customFields, …)."""
        self.request("PUT", "/artifacts/{artifactId}", path_params={"artifactId": artifact_id}, json=changes)

    def delete_artifact(self, artifact_id: str) -> None:
        """`DELETE /artifacts/{artifactId}`."""
        self.request("DELETE", "/artifacts/{artifactId}", path_params={"artifactId": artifact_id})

    def get_custom_fields(self, artifact_id: str) -> dict[str, Any]:
        """`GET /artifacts/{artifactId}/custom-fields`: field id -> JSON value."""
        body = self.request(
            "GET", "/artifacts/{artifactId}/custom-fields", path_params={"artifactId": artifact_id}
        )
        return dict(_p.obj(body, "custom fields"))

    def set_custom_fields(self, artifact_id: str, values: dict[str, Any]) -> None:
        """`PUT /artifacts/{artifactId}/custom-fields`. Raises `UpstreamRefused` when a value does not fit."""
        self.request(
            "PUT", "/artifacts/{artifactId}/custom-fields", path_params={"artifactId": artifact_id}, json=values
        )


def get_client() -> GovernClient:
    """The process's Govern client (one connection pool), built from `settings.GOVERN`."""
    return cached_client("govern", lambda: GovernClient(**client_options(settings.GOVERN)))
