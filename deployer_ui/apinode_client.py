"""Client for the API node administration API (contract: sandbox/contracts/apinode-admin.openapi.yaml).

One method per contract operation (17). Frozen dataclasses out, each parsed by its `from_json` with the node's
`Parser` (ids and shapes strict, display fields lenient, timestamps as datetimes); a body off the contract raises
`UpstreamBadResponse`. Auth key values are never kept in the dataclasses the portal renders: `AuthKey` has no value
field at all.
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

    @classmethod
    def from_json(cls, data: Any, p: Parser) -> ServiceSummary:
        data = p.obj(data, "a service")
        return cls(
            service_id=p.required_id(data, "serviceId", "a service"),
            enabled=bool(data.get("enabled")),
            active_generation=text(data.get("activeGeneration")),
            generation_count=whole_number(data.get("generationCount")) or 0,
        )


@dataclass(frozen=True)
class Service:
    service_id: str
    enabled: bool
    active_generation: str
    generation_count: int
    endpoints: tuple[Endpoint, ...] = ()

    @classmethod
    def from_json(cls, data: Any, p: Parser) -> Service:
        summary = ServiceSummary.from_json(data, p)
        return cls(**summary.__dict__, endpoints=_endpoints(data.get("endpoints")))


@dataclass(frozen=True)
class GenerationSummary:
    generation_id: str
    active: bool
    created_on: datetime | None

    @classmethod
    def from_json(cls, data: Any, p: Parser) -> GenerationSummary:
        data = p.obj(data, "a generation")
        return cls(
            generation_id=p.required_id(data, "generationId", "a generation"),
            active=bool(data.get("active")),
            created_on=ms_to_datetime(data.get("createdOn")),
        )


@dataclass(frozen=True)
class Generation:
    generation_id: str
    active: bool
    created_on: datetime | None
    preloaded: bool = False
    endpoints: tuple[Endpoint, ...] = ()

    @classmethod
    def from_json(cls, data: Any, p: Parser) -> Generation:
        summary = GenerationSummary.from_json(data, p)
        return cls(**summary.__dict__, preloaded=bool(data.get("preloaded")),
                   endpoints=_endpoints(data.get("endpoints")))


@dataclass(frozen=True)
class AuthKey:
    """An auth key's metadata. The key value is deliberately not part of it."""

    id: str
    label: str
    created_on: datetime | None
    allowed_services: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Any, p: Parser) -> AuthKey:
        data = p.obj(data, "an auth key")
        return cls(
            id=p.required_id(data, "id", "an auth key"),
            label=text(data.get("label")),
            created_on=ms_to_datetime(data.get("createdOn")),
            allowed_services=texts(data.get("allowedServices")),
        )


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

    @classmethod
    def from_json(cls, data: Any, p: Parser) -> Metrics:
        data = p.obj(data, "metrics")
        services = {}
        for service_id, item in opt_obj(data.get("serviceMetrics")).items():
            item = opt_obj(item)
            services[text(service_id)] = ServiceMetrics(
                request_count=whole_number(item.get("requestCount")),
                average_latency_ms=number(item.get("averageLatencyMs")),
                error_count=whole_number(item.get("errorCount")),
            )
        return cls(
            total_requests=whole_number(data.get("totalRequests")),
            active_requests=whole_number(data.get("activeRequests")),
            average_latency_ms=number(data.get("averageLatencyMs")),
            error_count=whole_number(data.get("errorCount")),
            services=services,
        )


@dataclass(frozen=True)
class NodeHealth:
    status: str
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any, p: Parser) -> NodeHealth:
        data = p.obj(data, "health")
        status = text(data.get("status")).upper()
        return cls(status=status if status in NODE_HEALTH_VALUES else "UNHEALTHY",
                   details=dict(opt_obj(data.get("details"))))


class ApiNodeClient(UpstreamClient):
    """Every API node admin operation, for one node. Methods return dataclasses; errors are `UpstreamError`s that
    name the node."""

    SVC = "/services/{serviceId}"
    GEN = "/services/{serviceId}/generations/{generationId}"

    def __init__(self, *, node_id: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.node_id = node_id
        self._p = Parser(self.name)  # errors name the node

    # -- services --

    def list_services(self) -> list[ServiceSummary]:
        body = self._p.array(self.request("GET", "/services"), "services")
        return [ServiceSummary.from_json(item, self._p) for item in body]

    def get_service(self, service_id: str) -> Service:
        return Service.from_json(self.request("GET", self.SVC, path_params={"serviceId": service_id}), self._p)

    def enable_service(self, service_id: str) -> None:
        """POST …/enable. The contract documents no response body, so none is read."""
        self.request("POST", self.SVC + "/enable", path_params={"serviceId": service_id})

    def disable_service(self, service_id: str) -> None:
        self.request("POST", self.SVC + "/disable", path_params={"serviceId": service_id})

    # -- generations --

    def list_generations(self, service_id: str) -> list[GenerationSummary]:
        body = self.request("GET", self.SVC + "/generations", path_params={"serviceId": service_id})
        return [GenerationSummary.from_json(item, self._p) for item in self._p.array(body, "generations")]

    def get_generation(self, service_id: str, generation_id: str) -> Generation:
        body = self.request("GET", self.GEN, path_params={"serviceId": service_id, "generationId": generation_id})
        return Generation.from_json(body, self._p)

    def preload_generation(self, service_id: str, generation_id: str) -> None:
        self.request("POST", self.GEN + "/preload",
                     path_params={"serviceId": service_id, "generationId": generation_id})

    def switch_generation(self, service_id: str, generation_id: str) -> None:
        self.request("POST", self.GEN + "/switch",
                     path_params={"serviceId": service_id, "generationId": generation_id})

    # -- auth keys --

    def list_auth_keys(self) -> list[AuthKey]:
        """GET /auth/keys → metadata only; the key values in the body are dropped here."""
        body = self._p.array(self.request("GET", "/auth/keys"), "auth keys")
        return [AuthKey.from_json(item, self._p) for item in body]

    # -- metrics and health --

    def get_metrics(self) -> Metrics:
        return Metrics.from_json(self.request("GET", "/metrics"), self._p)

    def get_health(self) -> NodeHealth:
        return NodeHealth.from_json(self.request("GET", "/health"), self._p)

    # -- create and delete: the operators' admin operations (deployer_ui.apinode_admin) ----------------------------

    def delete_service(self, service_id: str) -> None:
        self.request("DELETE", self.SVC, path_params={"serviceId": service_id})

    def import_generation(self, service_id: str, archive: BinaryIO | bytes, filename: str = "generation.zip"
                          ) -> GenerationSummary:
        """POST …/generations as multipart/form-data with the ZIP archive in part `file`."""
        files = {"file": (filename, archive, "application/zip")}
        body = self.request("POST", self.SVC + "/generations", path_params={"serviceId": service_id}, files=files)
        return GenerationSummary.from_json(body, self._p)

    def delete_generation(self, service_id: str, generation_id: str) -> None:
        self.request("DELETE", self.GEN, path_params={"serviceId": service_id, "generationId": generation_id})

    def create_auth_key(self, label: str, allowed_services: list[str] | None = None) -> NewAuthKey:
        body = self.request("POST", "/auth/keys", json={"label": label, "allowedServices": allowed_services or []})
        data = self._p.obj(body, "an auth key")
        return NewAuthKey(key=AuthKey.from_json(data, self._p), secret=text(data.get("key")))

    def get_auth_key(self, key_id: str) -> AuthKey:
        return AuthKey.from_json(self.request("GET", "/auth/keys/{keyId}", path_params={"keyId": key_id}), self._p)

    def delete_auth_key(self, key_id: str) -> None:
        self.request("DELETE", "/auth/keys/{keyId}", path_params={"keyId": key_id})


def node_settings(node_id: str) -> dict[str, Any]:
    """The configured node `node_id`. Raises `UpstreamNotFound` for a node that is not configured."""
    for node in settings.API_NODES:
        if node["id"] == node_id:
            return node
    raise UpstreamNotFound(f"no API node {node_id!r} is configured", upstream="API nodes")


def get_client(node_id: str) -> ApiNodeClient:
    """The process's client of node `node_id`. Raises `UpstreamNotFound` for a node that is not configured."""
    conf = node_settings(node_id)
    return cached_client(f"apinode:{node_id}", lambda: ApiNodeClient(node_id=node_id, **client_options(conf)))


def all_clients() -> list[ApiNodeClient]:
    return [get_client(node["id"]) for node in settings.API_NODES]
