"""Client for the API node administration API (contract: sandbox/contracts/apinode-admin.openapi.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from portal.upstream import UpstreamBadResponse, UpstreamClient, UpstreamNotFound, cached_client, client_options


@dataclass(frozen=True)
class ServiceSummary:
    service_id: str
    enabled: bool
    active_generation: str
    generation_count: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ServiceSummary:
        return cls(
            service_id=str(data.get("serviceId", "")),
            enabled=bool(data.get("enabled")),
            active_generation=str(data.get("activeGeneration", "") or ""),
            generation_count=int(data.get("generationCount") or 0),
        )


class ApiNodeClient(UpstreamClient):
    """Every API node admin operation, for one node. Methods return dataclasses."""

    def __init__(self, *, node_id: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.node_id = node_id

    def list_services(self) -> list[ServiceSummary]:
        body = self.request("GET", "/services")
        if not isinstance(body, list):
            raise UpstreamBadResponse("answered services that are not a list", upstream=self.name)
        return [ServiceSummary.from_json(item) for item in body if isinstance(item, dict)]


def node_settings(node_id: str) -> dict[str, Any]:
    for node in settings.API_NODES:
        if node["id"] == node_id:
            return node
    raise UpstreamNotFound(f"no API node {node_id!r} is configured", upstream="API nodes")


def get_client(node_id: str) -> ApiNodeClient:
    conf = node_settings(node_id)
    return cached_client(f"apinode:{node_id}", lambda: ApiNodeClient(node_id=node_id, **client_options(conf)))


def all_clients() -> list[ApiNodeClient]:
    return [get_client(node["id"]) for node in settings.API_NODES]
