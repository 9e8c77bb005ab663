"""The typed results of the Govern client: frozen dataclasses built from Govern's JSON bodies at the boundary.

One parsing rule, with the readers of `portal.lib.parsing`:

- strict (a wrong value raises `UpstreamBadResponse`, never a KeyError or TypeError on a page): the shape of every
  body and nested object or list, an object's own id (required), references to other objects and the codes the
  portal branches on (blueprint ids, logins, statuses, field types), numbers, booleans and timestamps;
- lenient (`text`: missing or off-type becomes text): display fields (names, descriptions, comments, colours).

Timestamps arrive as epoch milliseconds and leave as aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from portal.lib.parsing import Parser, ms_to_datetime, text

UPSTREAM = "Govern"
DECIDED_STATUSES = frozenset({"APPROVED", "REJECTED"})
OPEN_STATUSES = frozenset({"NOT_STARTED", "IN_PROGRESS", "DELEGATED"})
# Sorts before every timestamp: the sort key of a missing one.
NEVER = datetime.min.replace(tzinfo=UTC)

_p = Parser(UPSTREAM)


def _timestamp(data: dict[str, Any], key: str) -> datetime | None:
    """`data[key]` (epoch milliseconds, an integer) as a UTC datetime; None if missing. Raises on a non-integer."""
    return ms_to_datetime(_p.integer(data, key))


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
            id=_p.required_id(data, "id", "a field setting"),
            name=text(data.get("name")),
            description=text(data.get("description")),
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
            id=_p.required_id(data, "id", "a sign-off step"),
            name=text(data.get("name")),
            description=text(data.get("description")),
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
        return cls(
            id=_p.required_id(data, "id", "a workflow status"),
            name=text(data.get("name")),
            color=text(data.get("color")),
        )


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
            "id": _p.required_id(data, "id", "a blueprint"),
            "name": text(data.get("name")),
            "description": text(data.get("description")),
            "artifact_count": _p.integer(data, "artifactCount"),
            "icon": text(data.get("icon")),
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
    created_on: datetime | None

    @classmethod
    def from_json(cls, data: Any) -> BlueprintVersionSummary:
        return cls(**cls._summary_fields(_p.obj(data, "a blueprint version")))

    @staticmethod
    def _summary_fields(data: dict[str, Any]) -> dict[str, Any]:
        """The summary's fields, which `BlueprintVersion` shares."""
        return {
            "id": _p.required_id(data, "id", "a blueprint version"),
            "version_number": _p.integer(data, "versionNumber"),
            "status": _p.string(data, "status"),
            "created_on": _timestamp(data, "createdOn"),
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
    created_on: datetime | None
    created_by: str

    @classmethod
    def from_json(cls, data: Any) -> ArtifactSummary:
        return cls(**cls._summary_fields(_p.obj(data, "an artifact")))

    @staticmethod
    def _summary_fields(data: dict[str, Any]) -> dict[str, Any]:
        """The summary's fields, which `Artifact` shares."""
        return {
            "id": _p.required_id(data, "id", "an artifact"),
            "name": text(data.get("name")),
            "blueprint_id": _p.string(data, "blueprintId"),
            "status": _p.string(data, "status"),
            "created_on": _timestamp(data, "createdOn"),
            "created_by": _p.string(data, "createdBy"),
        }


@dataclass(frozen=True)
class Artifact(ArtifactSummary):
    blueprint_version_id: str = ""
    custom_fields: dict[str, Any] | None = None
    last_modified_on: datetime | None = None
    last_modified_by: str = ""

    @classmethod
    def from_json(cls, data: Any) -> Artifact:
        data = _p.obj(data, "an artifact")
        return cls(
            **cls._summary_fields(data),
            blueprint_version_id=_p.string(data, "blueprintVersionId"),
            custom_fields=dict(_p.obj(data.get("customFields") or {}, "custom fields")),
            last_modified_on=_timestamp(data, "lastModifiedOn"),
            last_modified_by=_p.string(data, "lastModifiedBy"),
        )


@dataclass(frozen=True)
class SignOffReview:
    reviewer: str
    outcome: str
    comment: str
    reviewed_on: datetime | None

    @classmethod
    def from_json(cls, data: Any) -> SignOffReview:
        data = _p.obj(data, "a review")
        return cls(
            reviewer=_p.string(data, "reviewer"),
            outcome=_p.string(data, "outcome"),
            comment=text(data.get("comment")),
            reviewed_on=_timestamp(data, "reviewedOn"),
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
            step_id=_p.required_id(data, "stepId", "a sign-off"),
            step_name=text(data.get("stepName")),
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
            id=_p.required_id(data, "id", "a role"),
            name=text(data.get("name")),
            description=text(data.get("description")),
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
            login=_p.required_id(data, "login", "a user"),
            display_name=text(data.get("displayName")),
            email=text(data.get("email")),
            roles=_p.strings(data, "roles"),
        )
