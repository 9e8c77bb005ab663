"""Client for the API node administration API (contract: sandbox/contracts/apinode-admin.openapi.yaml).

One method per contract operation (17). Frozen dataclasses out; a body off the contract raises `UpstreamBadResponse`.
Auth key values are never kept in the dataclasses the portal renders: `AuthKey` has no value field at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, BinaryIO

from django.conf import settings

from portal.upstream import UpstreamBadResponse, UpstreamClient, UpstreamNotFound, cached_client, client_options

NODE_HEALTH_VALUES = ("HEALTHY", "DEGRADED", "UNHEALTHY")


def _bad(upstream: str, what: str) -> UpstreamBadResponse:
    return UpstreamBadResponse(f"answered {what} that does not match its contract", upstream=upstream)


def _opt_obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _opt_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _ms_to_dt(value: Any) -> datetime | None:
    number = _float(value)
    if number is None or number <= 0:
        return None
    try:
        return datetime.fromtimestamp(number / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


@dataclass(frozen=True)
class Endpoint:
    id: str
    type: str
    model_ref: str = ""


def _endpoints(value: Any) -> tuple[Endpoint, ...]:
    out = []
    for item in _opt_list(value):
        item = _opt_obj(item)
        out.append(Endpoint(id=_str(item.get("id")), type=_str(item.get("type")), model_ref=_str(item.get("modelRef"))))
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
    """Every API node admin operation, for one node. Methods return dataclasses; errors are `portal.upstream` errors."""

    SVC = "/services/{serviceId}"
    GEN = "/services/{serviceId}/generations/{generationId}"

    def __init__(self, *, node_id: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.node_id = node_id

    # -- parsing (needs self.name for the error) --

    def _obj(self, value: Any, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _bad(self.name, what)
        return value

    def _list(self, value: Any, what: str) -> list[Any]:
        if not isinstance(value, list):
            raise _bad(self.name, what)
        return value

    def _id(self, data: dict[str, Any], key: str, what: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value:
            raise _bad(self.name, what)
        return value

    def _summary(self, data: Any) -> ServiceSummary:
        data = self._obj(data, "a service")
        return ServiceSummary(
            service_id=self._id(data, "serviceId", "a service without an id"),
            enabled=bool(data.get("enabled")),
            active_generation=_str(data.get("activeGeneration")),
            generation_count=_int(data.get("generationCount")) or 0,
        )

    def _service(self, data: Any) -> Service:
        summary = self._summary(data)
        return Service(**summary.__dict__, endpoints=_endpoints(data.get("endpoints")))

    def _generation_summary(self, data: Any) -> GenerationSummary:
        data = self._obj(data, "a generation")
        return GenerationSummary(
            generation_id=self._id(data, "generationId", "a generation without an id"),
            active=bool(data.get("active")),
            created_on=_ms_to_dt(data.get("createdOn")),
        )

    def _generation(self, data: Any) -> Generation:
        summary = self._generation_summary(data)
        return Generation(**summary.__dict__, preloaded=bool(data.get("preloaded")),
                          endpoints=_endpoints(data.get("endpoints")))

    def _auth_key(self, data: Any) -> AuthKey:
        data = self._obj(data, "an auth key")
        return AuthKey(
            id=self._id(data, "id", "an auth key without an id"),
            label=_str(data.get("label")),
            created_on=_ms_to_dt(data.get("createdOn")),
            allowed_services=tuple(_str(s) for s in _opt_list(data.get("allowedServices"))),
        )

    # -- services --

    def list_services(self) -> list[ServiceSummary]:
        return [self._summary(item) for item in self._list(self.request("GET", "/services"), "services")]

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
        return [self._generation_summary(item) for item in self._list(body, "generations")]

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
        return [self._auth_key(item) for item in self._list(self.request("GET", "/auth/keys"), "auth keys")]

    def create_auth_key(self, label: str, allowed_services: list[str] | None = None) -> NewAuthKey:
        body = self.request("POST", "/auth/keys", json={"label": label, "allowedServices": allowed_services or []})
        data = self._obj(body, "an auth key")
        return NewAuthKey(key=self._auth_key(data), secret=_str(data.get("key")))

    def get_auth_key(self, key_id: str) -> AuthKey:
        return self._auth_key(self.request("GET", "/auth/keys/{keyId}", path_params={"keyId": key_id}))

    def delete_auth_key(self, key_id: str) -> None:
        self.request("DELETE", "/auth/keys/{keyId}", path_params={"keyId": key_id})

    # -- metrics and health --

    def get_metrics(self) -> Metrics:
        data = self._obj(self.request("GET", "/metrics"), "metrics")
        services = {}
        for service_id, item in _opt_obj(data.get("serviceMetrics")).items():
            item = _opt_obj(item)
            services[_str(service_id)] = ServiceMetrics(
                request_count=_int(item.get("requestCount")),
                average_latency_ms=_float(item.get("averageLatencyMs")),
                error_count=_int(item.get("errorCount")),
            )
        return Metrics(
            total_requests=_int(data.get("totalRequests")),
            active_requests=_int(data.get("activeRequests")),
            average_latency_ms=_float(data.get("averageLatencyMs")),
            error_count=_int(data.get("errorCount")),
            services=services,
        )

    def get_health(self) -> NodeHealth:
        data = self._obj(self.request("GET", "/health"), "health")
        status = _str(data.get("status")).upper()
        return NodeHealth(status=status if status in NODE_HEALTH_VALUES else "UNHEALTHY",
                          details=dict(_opt_obj(data.get("details"))))


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
