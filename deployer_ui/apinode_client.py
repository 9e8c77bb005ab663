"""Client for the API node administration API (contract: sandbox/contracts/apinode-admin.openapi.yaml).

One method per contract operation (17). Frozen dataclasses out; a body off the contract raises `UpstreamBadResponse`.
Auth key values are never kept in the dataclasses the portal renders: `AuthKey` has no value field at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from django.conf import settings

from portal.lib.parsing import Parser, ms_to_datetime, number, opt_list, opt_obj, text, texts, whole_number
from portal.lib.upstream import UpstreamClient, UpstreamNotFound, cached_client, client_options

NODE_HEALTH_VALUES = ("HEALTHY", "DEGRADED", "UNHEALTHY")


@dataclass(frozen=True)
class Endpoint:
    id: str
    type: str
    model_ref: str = ""


def _endpoints(value: Any) -> tuple[Endpoint, ...]:
    out = []
    for item in opt_list(value):
        item = opt_obj(item)
        out.append(Endpoint(id=text(item.get("id")), type=text(item.get("type")), model_ref=text(item.get("modelRef"))))
    return tuple(out)


@dataclass(frozen=True)
class ServiceSummary:
    service_id: str
    enabled: bool
    active_generation: str
    generation_count: int


@dataclass(frozen=True)
class Service:
    service_id: str
    enabled: bool
    active_generation: str
    generation_count: int
    endpoints: tuple[Endpoint, ...] = ()


@dataclass(frozen=True)
class GenerationSummary:
    generation_id: str
    active: bool
    created_on: datetime | None


@dataclass(frozen=True)
class Generation:
    generation_id: str
    active: bool
    created_on: datetime | None
    preloaded: bool = False
    endpoints: tuple[Endpoint, ...] = ()


@dataclass(frozen=True)
class AuthKey:
    """An auth key's metadata. The key value is deliberately not part of it."""

    id: str
    label: str
    created_on: datetime | None
    allowed_services: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewAuthKey:
    """What "create auth key" answers: the metadata, and the value once (repr=False: never logged)."""

    key: AuthKey
    secret: str = field(repr=False)


@dataclass(frozen=True)
class ServiceMetrics:
    request_count: int | None
    average_latency_ms: float | None
    error_count: int | None


@dataclass(frozen=True)
class Metrics:
    total_requests: int | None
    active_requests: int | None
    average_latency_ms: float | None
    error_count: int | None
    services: dict[str, ServiceMetrics] = field(default_factory=dict)


@dataclass(frozen=True)
class NodeHealth:
    status: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "HEALTHY"


class ApiNodeClient(UpstreamClient):
    """Every API node admin operation, for one node. Methods return dataclasses; errors are `UpstreamError`s."""

    SVC = "/services/{serviceId}"
    GEN = "/services/{serviceId}/generations/{generationId}"

    def __init__(self, *, node_id: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.node_id = node_id
        self._p = Parser(self.name)  # errors name the node

    # -- parsing --

    def _summary(self, data: Any) -> ServiceSummary:
        data = self._p.obj(data, "a service")
        return ServiceSummary(
            service_id=self._p.required_id(data, "serviceId", "a service"),
            enabled=bool(data.get("enabled")),
            active_generation=text(data.get("activeGeneration")),
            generation_count=whole_number(data.get("generationCount")) or 0,
        )

    def _service(self, data: Any) -> Service:
        summary = self._summary(data)
        return Service(**summary.__dict__, endpoints=_endpoints(data.get("endpoints")))

    def _generation_summary(self, data: Any) -> GenerationSummary:
        data = self._p.obj(data, "a generation")
        return GenerationSummary(
            generation_id=self._p.required_id(data, "generationId", "a generation"),
            active=bool(data.get("active")),
            created_on=ms_to_datetime(data.get("createdOn")),
        )

    def _generation(self, data: Any) -> Generation:
        summary = self._generation_summary(data)
        return Generation(**summary.__dict__, preloaded=bool(data.get("preloaded")),
                          endpoints=_endpoints(data.get("endpoints")))

    def _auth_key(self, data: Any) -> AuthKey:
        data = self._p.obj(data, "an auth key")
        return AuthKey(
            id=self._p.required_id(data, "id", "an auth key"),
            label=text(data.get("label")),
            created_on=ms_to_datetime(data.get("createdOn")),
            allowed_services=texts(data.get("allowedServices")),
        )

    # -- services --

    def list_services(self) -> list[ServiceSummary]:
        return [self._summary(item) for item in self._p.array(self.request("GET", "/services"), "services")]

    def get_service(self, service_id: str) -> Service:
        return self._service(self.request("GET", self.SVC, path_params={"serviceId": service_id}))

    def delete_service(self, service_id: str) -> None:
        self.request("DELETE", self.SVC, path_params={"serviceId": service_id})

    def enable_service(self, service_id: str) -> None:
        """POST …/enable. The contract documents no response body, so none is read."""
        self.request("POST", self.SVC + "/enable", path_params={"serviceId": service_id})

    def disable_service(self, service_id: str) -> None:
        self.request("POST", self.SVC + "/disable", path_params={"serviceId": service_id})

    # -- generations --

    def list_generations(self, service_id: str) -> list[GenerationSummary]:
        body = self.request("GET", self.SVC + "/generations", path_params={"serviceId": service_id})
        return [self._generation_summary(item) for item in self._p.array(body, "generations")]

    def import_generation(self, service_id: str, archive: BinaryIO | bytes, filename: str = "generation.zip"
                          ) -> GenerationSummary:
        """POST …/generations as multipart/form-data with the ZIP archive in part `file`."""
        files = {"file": (filename, archive, "application/zip")}
        body = self.request("POST", self.SVC + "/generations", path_params={"serviceId": service_id}, files=files)
        return self._generation_summary(body)

    def get_generation(self, service_id: str, generation_id: str) -> Generation:
        body = self.request("GET", self.GEN, path_params={"serviceId": service_id, "generationId": generation_id})
        return self._generation(body)

    def delete_generation(self, service_id: str, generation_id: str) -> None:
        self.request("DELETE", self.GEN, path_params={"serviceId": service_id, "generationId": generation_id})

    def preload_generation(self, service_id: str, generation_id: str) -> None:
        self.request("POST", self.GEN + "/preload",
                     path_params={"serviceId": service_id, "generationId": generation_id})

    def switch_generation(self, service_id: str, generation_id: str) -> None:
        self.request("POST", self.GEN + "/switch",
                     path_params={"serviceId": service_id, "generationId": generation_id})

    # -- auth keys --

    def list_auth_keys(self) -> list[AuthKey]:
        """GET /auth/keys → metadata only; the key values in the body are dropped here."""
        return [self._auth_key(item) for item in self._p.array(self.request("GET", "/auth/keys"), "auth keys")]

    def create_auth_key(self, label: str, allowed_services: list[str] | None = None) -> NewAuthKey:
        body = self.request("POST", "/auth/keys", json={"label": label, "allowedServices": allowed_services or []})
        data = self._p.obj(body, "an auth key")
        return NewAuthKey(key=self._auth_key(data), secret=text(data.get("key")))

    def get_auth_key(self, key_id: str) -> AuthKey:
        return self._auth_key(self.request("GET", "/auth/keys/{keyId}", path_params={"keyId": key_id}))

    def delete_auth_key(self, key_id: str) -> None:
        self.request("DELETE", "/auth/keys/{keyId}", path_params={"keyId": key_id})

    # -- metrics and health --

    def get_metrics(self) -> Metrics:
        data = self._p.obj(self.request("GET", "/metrics"), "metrics")
        services = {}
        for service_id, item in opt_obj(data.get("serviceMetrics")).items():
            item = opt_obj(item)
            services[text(service_id)] = ServiceMetrics(
                request_count=whole_number(item.get("requestCount")),
                average_latency_ms=number(item.get("averageLatencyMs")),
                error_count=whole_number(item.get("errorCount")),
            )
        return Metrics(
            total_requests=whole_number(data.get("totalRequests")),
            active_requests=whole_number(data.get("activeRequests")),
            average_latency_ms=number(data.get("averageLatencyMs")),
            error_count=whole_number(data.get("errorCount")),
            services=services,
        )

    def get_health(self) -> NodeHealth:
        data = self._p.obj(self.request("GET", "/health"), "health")
        status = text(data.get("status")).upper()
        return NodeHealth(status=status if status in NODE_HEALTH_VALUES else "UNHEALTHY",
                          details=dict(opt_obj(data.get("details"))))


def node_settings(node_id: str) -> dict[str, Any]:
    """The configured node `node_id`. Raises `UpstreamNotFound` for a node that is not configured."""
    for node in settings.API_NODES:
        if node["id"] == node_id:
            return node
    raise UpstreamNotFound(f"no API node {node_id!r} is configured", upstream="API nodes")


def get_client(node_id: str) -> ApiNodeClient:
    conf = node_settings(node_id)
    return cached_client(f"apinode:{node_id}", lambda: ApiNodeClient(node_id=node_id, **client_options(conf)))


def all_clients() -> list[ApiNodeClient]:
    return [get_client(node["id"]) for node in settings.API_NODES]


def list_services(node_id: str) -> list[ServiceSummary]:
    """Module-level shortcut kept for callers of the first client. Raises `UpstreamError`."""
    return get_client(node_id).list_services()
