"""API-node administration by operators: create and delete auth keys, import and delete generations, delete services.

Each operation has a plan (what it will do, read from the node, shown on its confirmation page before anything
changes) and an act. An act checks the portal's own rules first (`Refused`, nothing sent), calls the node once,
writes one audit event per outcome and then re-reads that node into the status cache, so every page shows the new
state at once rather than at the next sampling. An auth key's value is returned to the caller once and is never
logged, audited or stored.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from deployer_ui import apinode_client
from deployer_ui.apinode_client import AuthKey, Generation, GenerationSummary, NewAuthKey, Service
from deployer_ui.node_sampling import refresh_node
from portal.audit.service import record
from portal.lib.errors import Refused
from portal.lib.upstream import UpstreamError, UpstreamNotFound
from portal.lib.web import upstream_error_text

log = logging.getLogger(__name__)

# The largest generation archive the portal forwards (a bundle with its models; larger ones belong on the node's
# own command line).
MAX_ARCHIVE_BYTES = 500 * 1024 * 1024


@dataclass(frozen=True)
class Plan:
    """What a confirmed operation will do, in the words its confirmation page shows."""

    title: str
    effects: list[str]
    button: str
    purpose: str  # what a one-time confirmation token of this operation is bound to
    danger: bool = True
    facts: list[tuple[str, str]] = field(default_factory=list)
    node_name: str = ""


def purpose(operation: str, *ids: str) -> str:
    """What a one-time confirmation of `operation` on the object named by `ids` is bound to."""
    return f"apinode.{operation}:" + "/".join(ids)


def node_name(node_id: str) -> str:
    """The configured node's display name. Raises `UpstreamNotFound` for a node that is not configured."""
    return apinode_client.node_settings(node_id)["name"]


def _audit(user, action: str, target_type: str, target_id: str, outcome: str, *, input: dict | None = None,  # noqa: A002
           exc: UpstreamError | None = None, detail: str = "") -> None:
    record(actor=user, action=action, target_type=target_type, target_id=target_id, outcome=outcome,
           input=input or {}, upstream_status=exc.status if exc else None,
           detail=upstream_error_text(exc) if exc else detail)


def _act(user, node_id: str, call, *, action: str, target_type: str, target_id: str, input: dict) -> Any:  # noqa: A002
    """Call the node once, audit the outcome, re-read the node. Re-raises the `UpstreamError` after auditing it."""
    try:
        result = call()
    except UpstreamError as exc:
        _audit(user, action, target_type, target_id, "failed", input=input, exc=exc)
        if isinstance(exc, UpstreamNotFound):
            refresh_node(node_id)  # someone else changed the node: show its real state
        raise
    _audit(user, action, target_type, target_id, "success", input=input)
    refresh_node(node_id)
    return result


def _refuse(user, reason: str, *, action: str, target_type: str, target_id: str, input: dict) -> Refused:  # noqa: A002
    _audit(user, action, target_type, target_id, "refused", input=input, detail=reason)
    return Refused(reason)


# --- auth keys -------------------------------------------------------------------------------------------------------


def create_key_plan(node_id: str) -> tuple[list[str], Plan]:
    """The node's service ids (what a key may be limited to) and what creating a key does. Raises `UpstreamError`."""
    name = node_name(node_id)
    services = [s.service_id for s in apinode_client.get_client(node_id).list_services()]
    return services, Plan(
        title=f"Create an auth key on {name}",
        effects=[f"{name} will create a new key for calling its services (only those you choose, or all of them).",
                 "The key is shown once, on the next page: copy it there. Afterwards the portal shows it only "
                 "masked, and it is never written to the audit log.",
                 "This is audited."],
        button="Create the key", purpose=purpose("create_key", node_id), danger=False, node_name=name,
    )


def create_auth_key(*, user, node_id: str, label: str, allowed_services: list[str]) -> NewAuthKey:
    """Create an auth key; returns it with its value (show it once, keep it nowhere). Raises `UpstreamError`."""
    client = apinode_client.get_client(node_id)
    audit_input = {"label": label, "allowed_services": list(allowed_services)}
    created = _act(user, node_id, lambda: client.create_auth_key(label, list(allowed_services)),
                   action="api_node.auth_key.create", target_type="api_node", target_id=node_id, input=audit_input)
    log.info("auth key %s created on %s by %s", created.key.id, node_id, user.get_username())
    return created


def delete_key_plan(node_id: str, key_id: str) -> tuple[AuthKey, Plan]:
    """The key (metadata only) and what deleting it does. Raises `UpstreamNotFound` for an unknown key."""
    name = node_name(node_id)
    key = apinode_client.get_client(node_id).get_auth_key(key_id)
    scope = ", ".join(key.allowed_services) if key.allowed_services else "every service"
    return key, Plan(
        title=f"Delete auth key {key.id} from {name}",
        effects=[f"Callers using this key ({key.label or 'no label'}) will be refused by {name} at once.",
                 "A deleted key cannot be restored; a new key has a new value.", "This is audited."],
        button="Delete the key", purpose=purpose("delete_key", node_id, key_id),
        facts=[("Key", key.id), ("Label", key.label or "—"), ("Allowed services", scope)],
    )


def delete_auth_key(*, user, node_id: str, key_id: str) -> None:
    """Delete an auth key. Raises `UpstreamNotFound` (unknown, or already deleted) or another `UpstreamError`."""
    client = apinode_client.get_client(node_id)
    _act(user, node_id, lambda: client.delete_auth_key(key_id), action="api_node.auth_key.delete",
         target_type="api_auth_key", target_id=f"{node_id}/{key_id}", input={})


# --- generations -----------------------------------------------------------------------------------------------------


def import_plan(node_id: str, service_id: str) -> tuple[Service, Plan]:
    """The service and what importing a generation into it does. Raises `UpstreamNotFound` for an unknown service."""
    name = node_name(node_id)
    service = apinode_client.get_client(node_id).get_service(service_id)
    return service, Plan(
        title=f"Import a generation into {service_id} on {name}",
        effects=[f"{name} will store the archive as a new generation of {service_id} (it now has "
                 f"{service.generation_count}).",
                 f"It will not be active: {service.active_generation or 'the active generation'} keeps serving "
                 "until you switch to the new one.",
                 "This is audited, with the archive's name, size and SHA-256."],
        button="Import the generation", purpose=purpose("import_generation", node_id, service_id), danger=False,
        facts=[("Service", service_id), ("Active generation", service.active_generation or "—")],
    )


def _digest(archive: BinaryIO) -> tuple[int, str]:
    sha, size = hashlib.sha256(), 0
    archive.seek(0)
    for chunk in iter(lambda: archive.read(1024 * 1024), b""):
        sha.update(chunk)
        size += len(chunk)
    archive.seek(0)
    return size, sha.hexdigest()


def import_generation(*, user, node_id: str, service_id: str, archive: BinaryIO, filename: str) -> GenerationSummary:
    """Send a generation archive (already checked to be a ZIP by the form) to the node. Returns the new generation.
    Raises `UpstreamError` (e.g. `UpstreamRefused` when the node rejects the bundle)."""
    client = apinode_client.get_client(node_id)
    size, sha = _digest(archive)
    return _act(user, node_id, lambda: client.import_generation(service_id, archive, filename),
                action="api_service.generation.import", target_type="api_service",
                target_id=f"{node_id}/{service_id}", input={"filename": filename, "size": size, "sha256": sha})


def _active_refusal(generation: Generation, service_id: str) -> str:
    return (f"Generation {generation.generation_id} is the active generation of {service_id}: it cannot be deleted. "
            "Switch the service to another generation first.")


def delete_generation_plan(node_id: str, service_id: str, generation_id: str) -> tuple[Generation, Plan]:
    """The generation and what deleting it does. Raises `UpstreamNotFound` (unknown service or generation) and
    `Refused` for the active generation."""
    name = node_name(node_id)
    generation = apinode_client.get_client(node_id).get_generation(service_id, generation_id)
    if generation.active:
        raise Refused(_active_refusal(generation, service_id))
    created = f"{generation.created_on:%Y-%m-%d %H:%M} UTC" if generation.created_on else "—"
    return generation, Plan(
        title=f"Delete generation {generation_id} of {service_id} on {name}",
        effects=[f"{name} will delete generation {generation_id}; the active generation is not affected.",
                 "It can only come back by importing its archive again.", "This is audited."],
        button="Delete the generation",
        purpose=purpose("delete_generation", node_id, service_id, generation_id),
        facts=[("Generation", generation_id), ("Created", created), ("Preloaded", "yes" if generation.preloaded else
                                                                      "no")],
    )


def delete_generation(*, user, node_id: str, service_id: str, generation_id: str) -> None:
    """Delete a generation that is not active. Raises `Refused` (it is active: nothing is sent; audited),
    `UpstreamNotFound` (unknown) or another `UpstreamError` (the node refused)."""
    client = apinode_client.get_client(node_id)
    target = {"action": "api_service.generation.delete", "target_type": "api_service",
              "target_id": f"{node_id}/{service_id}", "input": {"generation_id": generation_id}}
    generation = client.get_generation(service_id, generation_id)
    if generation.active:
        raise _refuse(user, _active_refusal(generation, service_id), **target)
    _act(user, node_id, lambda: client.delete_generation(service_id, generation_id), **target)


# --- services --------------------------------------------------------------------------------------------------------


def delete_service_plan(node_id: str, service_id: str) -> tuple[Service, Plan]:
    """The service and what deleting it does. Raises `UpstreamNotFound` for an unknown service."""
    name = node_name(node_id)
    service = apinode_client.get_client(node_id).get_service(service_id)
    endpoints = ", ".join(e.id for e in service.endpoints) or "none"
    return service, Plan(
        title=f"Delete service {service_id} from {name}",
        effects=[f"{name} will remove {service_id} and all its {service.generation_count} generations.",
                 f"Its endpoints ({endpoints}) stop answering at once"
                 + (" (it is enabled and serving now)." if service.enabled else "."),
                 "It can only come back by deploying it again from the Deployer.", "This is audited."],
        button="Delete the service", purpose=purpose("delete_service", node_id, service_id),
        facts=[("Service", service_id), ("State", "enabled" if service.enabled else "disabled"),
               ("Active generation", service.active_generation or "—"),
               ("Generations", str(service.generation_count))],
    )


def delete_service(*, user, node_id: str, service_id: str) -> None:
    """Delete a service with its generations. Raises `UpstreamNotFound` (unknown, or already deleted) or another
    `UpstreamError`."""
    client = apinode_client.get_client(node_id)
    _act(user, node_id, lambda: client.delete_service(service_id), action="api_service.delete",
         target_type="api_service", target_id=f"{node_id}/{service_id}", input={})
