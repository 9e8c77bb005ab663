"""Client for the Dataiku Govern public REST API (contract: sandbox/contracts/govern.openapi.yaml).

One method per operation of the contract. Every method returns frozen dataclasses (or None for the operations the
contract answers without a body) and raises an `UpstreamError` subclass; a body that does not have the
shape the contract promises raises `UpstreamBadResponse` instead of leaking a KeyError or TypeError to a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from portal.lib.parsing import Parser
from portal.lib.upstream import UpstreamClient, cached_client, client_options

UPSTREAM = "Govern"
DECIDED_STATUSES = frozenset({"APPROVED", "REJECTED"})
OPEN_STATUSES = frozenset({"NOT_STARTED", "IN_PROGRESS", "DELEGATED"})


_p = Parser(UPSTREAM)


# -- dataclasses ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSetting:
    id: str
    name: str
    description: str
    type: str
    required: bool
    options: tuple[str, ...]

    @classmethod
    def from_json(cls, data: Any) -> FieldSetting:
        data = _p.obj(data, "a field setting")
        return cls(
            id=_p.string(data, "id"),
            name=_p.string(data, "name"),
            description=_p.string(data, "description"),
            type=_p.string(data, "type"),
            required=_p.boolean(data, "required"),
            options=_p.strings(data, "options"),
        )


@dataclass(frozen=True)
class SignOffStep:
    id: str
    name: str
    description: str
    required_reviewers: int | None
    assignee_type: str

    @classmethod
    def from_json(cls, data: Any) -> SignOffStep:
        data = _p.obj(data, "a sign-off step")
        return cls(
            id=_p.string(data, "id"),
            name=_p.string(data, "name"),
            description=_p.string(data, "description"),
            required_reviewers=_p.integer(data, "requiredReviewers"),
            assignee_type=_p.string(data, "assigneeType"),
        )


@dataclass(frozen=True)
class WorkflowStatus:
    id: str
    name: str
    color: str

    @classmethod
    def from_json(cls, data: Any) -> WorkflowStatus:
        data = _p.obj(data, "a workflow status")
        return cls(id=_p.string(data, "id"), name=_p.string(data, "name"), color=_p.string(data, "color"))


@dataclass(frozen=True)
class WorkflowTransition:
    from_status: str
    to_status: str

    @classmethod
    def from_json(cls, data: Any) -> WorkflowTransition:
        data = _p.obj(data, "a workflow transition")
        return cls(from_status=_p.string(data, "fromStatus"), to_status=_p.string(data, "toStatus"))


@dataclass(frozen=True)
class BlueprintSummary:
    id: str
    name: str
    description: str
    artifact_count: int | None
    icon: str

    @classmethod
    def from_json(cls, data: Any) -> BlueprintSummary:
        return cls(**cls._summary_fields(_p.obj(data, "a blueprint")))

    @staticmethod
    def _summary_fields(data: dict[str, Any]) -> dict[str, Any]:
        """The summary's fields, which `Blueprint` shares."""
        return {
            "id": _p.string(data, "id"),
            "name": _p.string(data, "name"),
            "description": _p.string(data, "description"),
            "artifact_count": _p.integer(data, "artifactCount"),
            "icon": _p.string(data, "icon"),
        }


@dataclass(frozen=True)
class Blueprint(BlueprintSummary):
    field_settings: tuple[FieldSetting, ...] = ()
    sign_off_steps: tuple[SignOffStep, ...] = ()
    statuses: tuple[WorkflowStatus, ...] = ()
    transitions: tuple[WorkflowTransition, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> Blueprint:
        data = _p.obj(data, "a blueprint")
        sign_off = _p.obj(data.get("signOffConfiguration") or {}, "a sign-off configuration")
        workflow = _p.obj(data.get("workflowConfiguration") or {}, "a workflow configuration")
        return cls(
            **cls._summary_fields(data),
            field_settings=_p.items(data, "fieldSettings", FieldSetting.from_json),
            sign_off_steps=_p.items(sign_off, "steps", SignOffStep.from_json),
            statuses=_p.items(workflow, "statuses", WorkflowStatus.from_json),
            transitions=_p.items(workflow, "transitions", WorkflowTransition.from_json),
        )

    def to_json(self) -> dict[str, Any]:
        """The body `PUT /blueprints/{id}` expects."""
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "icon": self.icon,
            "fieldSettings": [_field_json(f) for f in self.field_settings],
            "signOffConfiguration": {"steps": [_step_json(s) for s in self.sign_off_steps]},
            "workflowConfiguration": {
                "statuses": [{"id": s.id, "name": s.name, "color": s.color} for s in self.statuses],
                "transitions": [{"fromStatus": t.from_status, "toStatus": t.to_status} for t in self.transitions],
            },
        }


def _field_json(field: FieldSetting) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": field.id,
        "name": field.name,
        "description": field.description,
        "type": field.type,
        "required": field.required,
    }
    if field.options:
        out["options"] = list(field.options)
    return out


def _step_json(step: SignOffStep) -> dict[str, Any]:
    out: dict[str, Any] = {"id": step.id, "name": step.name, "description": step.description}
    if step.required_reviewers is not None:
        out["requiredReviewers"] = step.required_reviewers
    if step.assignee_type:
        out["assigneeType"] = step.assignee_type
    return out


@dataclass(frozen=True)
class BlueprintVersionSummary:
    id: str
    version_number: int | None
    status: str
    created_on: int | None

    @classmethod
    def from_json(cls, data: Any) -> BlueprintVersionSummary:
        return cls(**cls._summary_fields(_p.obj(data, "a blueprint version")))

    @staticmethod
    def _summary_fields(data: dict[str, Any]) -> dict[str, Any]:
        """The summary's fields, which `BlueprintVersion` shares."""
        return {
            "id": _p.string(data, "id"),
            "version_number": _p.integer(data, "versionNumber"),
            "status": _p.string(data, "status"),
            "created_on": _p.integer(data, "createdOn"),
        }


@dataclass(frozen=True)
class BlueprintVersion(BlueprintVersionSummary):
    blueprint_id: str = ""
    field_settings: tuple[FieldSetting, ...] = ()
    sign_off_steps: tuple[SignOffStep, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> BlueprintVersion:
        data = _p.obj(data, "a blueprint version")
        sign_off = _p.obj(data.get("signOffConfiguration") or {}, "a sign-off configuration")
        return cls(
            **cls._summary_fields(data),
            blueprint_id=_p.string(data, "blueprintId"),
            field_settings=_p.items(data, "fieldSettings", FieldSetting.from_json),
            sign_off_steps=_p.items(sign_off, "steps", SignOffStep.from_json),
        )


@dataclass(frozen=True)
class ArtifactSummary:
    id: str
    name: str
    blueprint_id: str
    status: str
    created_on: int | None
    created_by: str

    @classmethod
    def from_json(cls, data: Any) -> ArtifactSummary:
        return cls(**cls._summary_fields(_p.obj(data, "an artifact")))

    @staticmethod
    def _summary_fields(data: dict[str, Any]) -> dict[str, Any]:
        """The summary's fields, which `Artifact` shares."""
        return {
            "id": _p.string(data, "id"),
            "name": _p.string(data, "name"),
            "blueprint_id": _p.string(data, "blueprintId"),
            "status": _p.string(data, "status"),
            "created_on": _p.integer(data, "createdOn"),
            "created_by": _p.string(data, "createdBy"),
        }


@dataclass(frozen=True)
class Artifact(ArtifactSummary):
    blueprint_version_id: str = ""
    custom_fields: dict[str, Any] | None = None
    last_modified_on: int | None = None
    last_modified_by: str = ""

    @classmethod
    def from_json(cls, data: Any) -> Artifact:
        data = _p.obj(data, "an artifact")
        return cls(
            **cls._summary_fields(data),
            blueprint_version_id=_p.string(data, "blueprintVersionId"),
            custom_fields=dict(_p.obj(data.get("customFields") or {}, "custom fields")),
            last_modified_on=_p.integer(data, "lastModifiedOn"),
            last_modified_by=_p.string(data, "lastModifiedBy"),
        )


@dataclass(frozen=True)
class SignOffReview:
    reviewer: str
    outcome: str
    comment: str
    reviewed_on: int | None

    @classmethod
    def from_json(cls, data: Any) -> SignOffReview:
        data = _p.obj(data, "a review")
        return cls(
            reviewer=_p.string(data, "reviewer"),
            outcome=_p.string(data, "outcome"),
            comment=_p.string(data, "comment"),
            reviewed_on=_p.integer(data, "reviewedOn"),
        )


@dataclass(frozen=True)
class SignOff:
    step_id: str
    step_name: str
    status: str
    reviews: tuple[SignOffReview, ...] = ()
    delegated_to: str = ""

    @classmethod
    def from_json(cls, data: Any) -> SignOff:
        data = _p.obj(data, "a sign-off")
        return cls(
            step_id=_p.string(data, "stepId"),
            step_name=_p.string(data, "stepName"),
            status=_p.string(data, "status"),
            reviews=_p.items(data, "reviews", SignOffReview.from_json),
            delegated_to=_p.string(data, "delegatedTo"),
        )

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED_STATUSES


@dataclass(frozen=True)
class Role:
    id: str
    name: str
    description: str
    permissions: tuple[str, ...]

    @classmethod
    def from_json(cls, data: Any) -> Role:
        data = _p.obj(data, "a role")
        return cls(
            id=_p.string(data, "id"),
            name=_p.string(data, "name"),
            description=_p.string(data, "description"),
            permissions=_p.strings(data, "permissions"),
        )


@dataclass(frozen=True)
class GovernUser:
    login: str
    display_name: str
    email: str
    roles: tuple[str, ...]

    @classmethod
    def from_json(cls, data: Any) -> GovernUser:
        data = _p.obj(data, "a user")
        return cls(
            login=_p.string(data, "login"),
            display_name=_p.string(data, "displayName"),
            email=_p.string(data, "email"),
            roles=_p.strings(data, "roles"),
        )


def _drop_none(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if value is not None}


# -- the client ----------------------------------------------------------------------------------------------------


class GovernClient(UpstreamClient):
    """Every operation of the Govern API. Methods return dataclasses; errors are `portal.lib.upstream` errors."""

    # Blueprints

    def list_blueprints(self) -> list[BlueprintSummary]:
        """`GET /blueprints`."""
        body = self.request("GET", "/blueprints")
        return [BlueprintSummary.from_json(item) for item in _p.objects(body, "blueprints")]

    def create_blueprint(self, name: str, description: str | None = None, icon: str | None = None) -> Blueprint:
        """`POST /blueprints`; returns the created blueprint. Raises `UpstreamRefused` on a 400."""
        body = self.request(
            "POST", "/blueprints", json=_drop_none({"name": name, "description": description, "icon": icon})
        )
        return Blueprint.from_json(body)

    def get_blueprint(self, blueprint_id: str) -> Blueprint:
        """`GET /blueprints/{blueprintId}`. Raises `UpstreamNotFound` for an unknown id."""
        body = self.request("GET", "/blueprints/{blueprintId}", path_params={"blueprintId": blueprint_id})
        return Blueprint.from_json(body)

    def update_blueprint(self, blueprint: Blueprint) -> None:
        """`PUT /blueprints/{blueprintId}` with the whole definition (the contract documents no response body)."""
        self.request(
            "PUT", "/blueprints/{blueprintId}", path_params={"blueprintId": blueprint.id}, json=blueprint.to_json()
        )

    def delete_blueprint(self, blueprint_id: str) -> None:
        """`DELETE /blueprints/{blueprintId}`. Raises `UpstreamNotFound` for an unknown id."""
        self.request("DELETE", "/blueprints/{blueprintId}", path_params={"blueprintId": blueprint_id})

    # Blueprint versions

    def list_blueprint_versions(self, blueprint_id: str) -> list[BlueprintVersionSummary]:
        """`GET /blueprints/{blueprintId}/versions`."""
        body = self.request("GET", "/blueprints/{blueprintId}/versions", path_params={"blueprintId": blueprint_id})
        return [BlueprintVersionSummary.from_json(item) for item in _p.objects(body, "blueprint versions")]

    def create_blueprint_version(self, blueprint_id: str, origin_version_id: str | None = None) -> BlueprintVersion:
        """`POST /blueprints/{blueprintId}/versions`; returns the new (draft) version."""
        body = self.request(
            "POST",
            "/blueprints/{blueprintId}/versions",
            path_params={"blueprintId": blueprint_id},
            json=_drop_none({"originVersionId": origin_version_id}),
        )
        return BlueprintVersion.from_json(body)

    def get_blueprint_version(self, blueprint_id: str, version_id: str) -> BlueprintVersion:
        """`GET /blueprints/{blueprintId}/versions/{versionId}`."""
        body = self.request(
            "GET",
            "/blueprints/{blueprintId}/versions/{versionId}",
            path_params={"blueprintId": blueprint_id, "versionId": version_id},
        )
        return BlueprintVersion.from_json(body)

    # Artifacts

    def list_artifacts(self, blueprint_id: str | None = None) -> list[ArtifactSummary]:
        """`GET /artifacts[?blueprintId=]`: every artifact (the API does not page)."""
        body = self.request("GET", "/artifacts", params={"blueprintId": blueprint_id})
        return [ArtifactSummary.from_json(item) for item in _p.objects(body, "artifacts")]

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

    def get_artifact(self, artifact_id: str) -> Artifact:
        """`GET /artifacts/{artifactId}`. Raises `UpstreamNotFound` for an unknown id."""
        body = self.request("GET", "/artifacts/{artifactId}", path_params={"artifactId": artifact_id})
        return Artifact.from_json(body)

    def update_artifact(self, artifact_id: str, changes: dict[str, Any]) -> None:
        """`PUT /artifacts/{artifactId}` with contract-named keys (name, status, customFields, …)."""
        self.request("PUT", "/artifacts/{artifactId}", path_params={"artifactId": artifact_id}, json=changes)

    def delete_artifact(self, artifact_id: str) -> None:
        """`DELETE /artifacts/{artifactId}`."""
        self.request("DELETE", "/artifacts/{artifactId}", path_params={"artifactId": artifact_id})

    # Custom fields

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

    # Sign-offs

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

    # Roles and users

    def list_roles(self) -> list[Role]:
        """`GET /roles`."""
        return [Role.from_json(item) for item in _p.objects(self.request("GET", "/roles"), "roles")]

    def list_users(self) -> list[GovernUser]:
        """`GET /users`."""
        return [GovernUser.from_json(item) for item in _p.objects(self.request("GET", "/users"), "users")]


def get_client() -> GovernClient:
    """The process's Govern client (one connection pool), built from `settings.GOVERN`."""
    return cached_client("govern", lambda: GovernClient(**client_options(settings.GOVERN)))
