"""Client for the Dataiku Govern public REST API (contract: sandbox/contracts/govern.openapi.yaml)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from portal.upstream import UpstreamBadResponse, UpstreamClient, cached_client, client_options


@dataclass(frozen=True)
class ArtifactSummary:
    id: str
    name: str
    blueprint_id: str
    status: str
    created_on: int | None
    created_by: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ArtifactSummary:
        return cls(
            id=str(data.get("id", "")),
            name=str(data.get("name", "")),
            blueprint_id=str(data.get("blueprintId", "")),
            status=str(data.get("status", "")),
            created_on=data.get("createdOn"),
            created_by=str(data.get("createdBy", "")),
        )


@dataclass(frozen=True)
class SignOffReview:
    reviewer: str
    outcome: str
    comment: str
    reviewed_on: int | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SignOffReview:
        return cls(
            reviewer=str(data.get("reviewer", "")),
            outcome=str(data.get("outcome", "")),
            comment=str(data.get("comment", "") or ""),
            reviewed_on=data.get("reviewedOn"),
        )


@dataclass(frozen=True)
class SignOff:
    step_id: str
    step_name: str
    status: str
    reviews: list[SignOffReview] = field(default_factory=list)
    delegated_to: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SignOff:
        return cls(
            step_id=str(data.get("stepId", "")),
            step_name=str(data.get("stepName", "")),
            status=str(data.get("status", "")),
            reviews=[SignOffReview.from_json(r) for r in _list(data.get("reviews"))],
            delegated_to=str(data.get("delegatedTo", "") or ""),
        )

    @property
    def is_decided(self) -> bool:
        return self.status in ("APPROVED", "REJECTED")


def _list(value: Any) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise UpstreamBadResponse("answered a list field that is not a list", upstream="Govern")
    return value


def _objects(body: Any, what: str) -> list[dict[str, Any]]:
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        raise UpstreamBadResponse(f"answered {what} that is not a list of objects", upstream="Govern")
    return body


class GovernClient(UpstreamClient):
    """Every operation of the Govern API. Methods return dataclasses; errors are `portal.upstream` errors."""

    def list_artifacts(self, blueprint_id: str | None = None) -> list[ArtifactSummary]:
        body = self.request("GET", "/artifacts", params={"blueprintId": blueprint_id})
        return [ArtifactSummary.from_json(item) for item in _objects(body, "artifacts")]

    def list_sign_offs(self, artifact_id: str) -> list[SignOff]:
        body = self.request("GET", "/artifacts/{artifactId}/sign-offs", path_params={"artifactId": artifact_id})
        return [SignOff.from_json(item) for item in _objects(body, "sign-offs")]


def get_client() -> GovernClient:
    return cached_client("govern", lambda: GovernClient(**client_options(settings.GOVERN)))
