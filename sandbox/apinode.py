"""API node admin stand-in (two instances): services, generations, auth keys, metrics, health."""

from __future__ import annotations

import copy
import math
import re
import secrets
import time

from sandbox.clock import now_ms
from sandbox.http import Call, UpstreamApp, bad_request, no_content, not_found
from sandbox.state import Store

BASE_PATH = "/admin/api"
ADMIN_KEY = "apinode-admin-key"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a ZIP's first entry, or the end record of an empty archive


def authenticate(store: Store, key: str) -> str | None:
    """Both nodes share one admin key."""
    return "admin" if key == ADMIN_KEY else None


def _node(call: Call) -> dict:
    return call.store.apinodes[call.upstream]


def _service(call: Call) -> dict:
    service_id = call.params["serviceId"]
    try:
        return _node(call)["services"][service_id]
    except KeyError:
        raise not_found("Service", service_id) from None


def _generation(call: Call) -> tuple[dict, dict]:
    service = _service(call)
    gen_id = call.params["generationId"]
    try:
        return service, service["generations"][gen_id]
    except KeyError:
        raise not_found("Generation", f"{service['serviceId']}/{gen_id}") from None


def service_summary(service: dict) -> dict:
    """ServiceSummary."""
    return {
        "serviceId": service["serviceId"],
        "enabled": service["enabled"],
        "activeGeneration": service["activeGeneration"],
        "generationCount": len(service["generations"]),
    }


def service_view(service: dict) -> dict:
    """Service: its endpoints are those of the active generation."""
    active = service["generations"].get(service["activeGeneration"], {})
    return {**service_summary(service), "endpoints": copy.deepcopy(active.get("endpoints", []))}


def generation_summary(service: dict, gen: dict) -> dict:
    """GenerationSummary."""
    return {
        "generationId": gen["generationId"],
        "active": gen["generationId"] == service["activeGeneration"],
        "createdOn": gen["createdOn"],
    }


def generation_view(service: dict, gen: dict) -> dict:
    """Generation."""
    return {**generation_summary(service, gen), "endpoints": copy.deepcopy(gen["endpoints"]),
            "preloaded": gen["preloaded"]}


# ----------------------------------------------------------------------------------------- services


def list_services(call: Call):
    """GET /services"""
    return [service_summary(service) for service in _node(call)["services"].values()]


def get_service(call: Call):
    """GET /services/{serviceId}"""
    return service_view(_service(call))


def delete_service(call: Call):
    """DELETE /services/{serviceId}"""
    service = _service(call)
    del _node(call)["services"][service["serviceId"]]
    return no_content()


def enable_service(call: Call):
    """POST /services/{serviceId}/enable"""
    service = _service(call)
    service["enabled"] = True
    return service_view(service)


def disable_service(call: Call):
    """POST /services/{serviceId}/disable"""
    service = _service(call)
    service["enabled"] = False
    return service_view(service)


# ----------------------------------------------------------------------------------------- generations


def list_generations(call: Call):
    """GET /services/{serviceId}/generations"""
    service = _service(call)
    return [generation_summary(service, gen) for gen in service["generations"].values()]


def import_generation(call: Call):
    """POST /services/{serviceId}/generations (multipart ``file``).

    The body must be what the contract says: multipart/form-data whose part ``file`` is the ZIP archive (anything
    else is a 400, "Invalid bundle"). The archive is not unpacked: the generation id is the file name without
    ``.zip`` (or the next ``vN``), and it exposes the active generation's endpoints. It is neither active nor
    preloaded.
    """
    service = _service(call)
    if call.request.mimetype != "multipart/form-data":
        raise bad_request("Invalid bundle: the body must be multipart/form-data with the ZIP archive in part 'file'")
    upload = call.body.get("file") if call.body is not None else None
    if upload is None:
        raise bad_request("Invalid bundle: multipart part 'file' (the generation ZIP archive) is required")
    content = upload.read()
    if not content:
        raise bad_request("Invalid bundle: the uploaded generation archive is empty")
    if not content.startswith(ZIP_MAGIC):
        raise bad_request("Invalid bundle: the uploaded file is not a ZIP archive")
    stem = re.sub(r"[^A-Za-z0-9_.-]", "", (upload.filename or "").rsplit("/", 1)[-1].removesuffix(".zip"))
    gens = service["generations"]
    gen_id = stem if stem and stem not in gens and stem not in (".", "..") else f"v{len(gens) + 1}"
    number = len(gens) + 1
    while gen_id in gens:
        number += 1
        gen_id = f"v{number}"
    active = gens.get(service["activeGeneration"], {})
    gens[gen_id] = {
        "generationId": gen_id,
        "createdOn": now_ms(),
        "endpoints": copy.deepcopy(active.get("endpoints", [])),
        "preloaded": False,
    }
    return generation_summary(service, gens[gen_id])


def get_generation(call: Call):
    """GET /services/{serviceId}/generations/{generationId}"""
    return generation_view(*_generation(call))


def delete_generation(call: Call):
    """DELETE …/generations/{generationId}: the active generation cannot be deleted (400)."""
    service, gen = _generation(call)
    if gen["generationId"] == service["activeGeneration"]:
        raise bad_request(f"generation {gen['generationId']} is active; switch to another one first")
    del service["generations"][gen["generationId"]]
    return no_content()


def preload_generation(call: Call):
    """POST …/generations/{generationId}/preload"""
    service, gen = _generation(call)
    gen["preloaded"] = True
    return generation_view(service, gen)


def switch_generation(call: Call):
    """POST …/generations/{generationId}/switch: the switched-to generation becomes active (and loaded)."""
    service, gen = _generation(call)
    service["activeGeneration"] = gen["generationId"]
    gen["preloaded"] = True
    return generation_view(service, gen)


# ----------------------------------------------------------------------------------------- auth keys


def list_keys(call: Call):
    """GET /auth/keys"""
    return copy.deepcopy(list(_node(call)["keys"].values()))


def create_key(call: Call):
    """POST /auth/keys: ``allowedServices`` must name existing services."""
    node = _node(call)
    allowed = call.body.get("allowedServices", [])
    unknown = [sid for sid in allowed if sid not in node["services"]]
    if unknown:
        raise bad_request(f"unknown service(s) in allowedServices: {', '.join(unknown)}")
    key_id = f"key-{node['nextKey']}"
    node["nextKey"] += 1
    node["keys"][key_id] = {
        "id": key_id,
        "key": secrets.token_urlsafe(24),
        "label": call.body.get("label", ""),
        "createdOn": now_ms(),
        "allowedServices": list(allowed),
    }
    return copy.deepcopy(node["keys"][key_id])


def _key(call: Call) -> dict:
    try:
        return _node(call)["keys"][call.params["keyId"]]
    except KeyError:
        raise not_found("Auth key", call.params["keyId"]) from None


def get_key(call: Call):
    """GET /auth/keys/{keyId}"""
    return copy.deepcopy(_key(call))


def delete_key(call: Call):
    """DELETE /auth/keys/{keyId}"""
    del _node(call)["keys"][_key(call)["id"]]
    return no_content()


# ----------------------------------------------------------------------------------------- metrics, health


def metrics(call: Call):
    """GET /metrics: counters grow with wall time since the last reset (per-service ``rate`` per second)."""
    elapsed = time.time() - call.store.seeded_at
    per_service, total, errors, latency_sum = {}, 0, 0, 0.0
    for sid, service in _node(call)["services"].items():
        base = service["metrics"]
        requests = base["requestCount"] + int(base["rate"] * elapsed)
        error_count = base["errorCount"] + int(base["rate"] * elapsed / 200)
        latency = round(base["averageLatencyMs"] * (1 + 0.1 * math.sin(elapsed / 7)), 2)
        per_service[sid] = {"requestCount": requests, "averageLatencyMs": latency, "errorCount": error_count}
        total, errors, latency_sum = total + requests, errors + error_count, latency_sum + latency * requests
    return {
        "totalRequests": total,
        "activeRequests": int(3 + 2 * math.sin(elapsed)) if total else 0,
        "averageLatencyMs": round(latency_sum / total, 2) if total else 0.0,
        "errorCount": errors,
        "serviceMetrics": per_service,
    }


def health(call: Call):
    """GET /health (no key needed)."""
    return copy.deepcopy(_node(call)["health"])


HANDLERS = {
    "listServices": list_services,
    "getService": get_service,
    "deleteService": delete_service,
    "enableService": enable_service,
    "disableService": disable_service,
    "listGenerations": list_generations,
    "importGeneration": import_generation,
    "getGeneration": get_generation,
    "deleteGeneration": delete_generation,
    "preloadGeneration": preload_generation,
    "switchGeneration": switch_generation,
    "listAuthKeys": list_keys,
    "createAuthKey": create_key,
    "getAuthKey": get_key,
    "deleteAuthKey": delete_key,
    "getMetrics": metrics,
    "getHealth": health,
}


def build_app(store: Store, node: str) -> UpstreamApp:
    """The admin API WSGI app of one node (``apinode-a`` or ``apinode-b``)."""
    if node not in store.apinodes:
        raise ValueError(f"unknown API node {node}")
    return UpstreamApp(node, store, "apinode", BASE_PATH, HANDLERS, authenticate)
