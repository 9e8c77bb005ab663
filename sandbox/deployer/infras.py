"""Deployer handlers for infras and their stages: list, create, read, settings, delete."""

from __future__ import annotations

import copy

from sandbox.clock import now_ms
from sandbox.deployer.account import SERVICE_DISPLAY, SERVICE_LOGIN, bump
from sandbox.deployer.records import deployments_where, lookup, require
from sandbox.deployer.views import infra_settings_view, infra_summary
from sandbox.http import Call, bad_request, no_content
from sandbox.seed import version_tag
from sandbox.state import Store


def list_stages(call: Call):
    """GET /project-deployer/infras/stages"""
    return copy.deepcopy(call.store.dss["stages"])


def list_infras(call: Call):
    """GET /project-deployer/infras"""
    return [infra_summary(call.store, infra) for infra in call.store.dss["infras"].values()]


def get_infra(call: Call):
    """POST /project-deployer/infras/{infraId} ("Get infra" is a POST in the contract)."""
    return infra_summary(call.store, lookup(call.store, "Infra", "infras", call.params["infraId"]))


def get_infra_settings(call: Call):
    """GET /project-deployer/infras/{infraId}"""
    return infra_settings_view(lookup(call.store, "Infra", "infras", call.params["infraId"]))


def _stage_ids(store: Store) -> list:
    return [stage["id"] for stage in store.dss["stages"]]


def save_infra_settings(call: Call):
    """PUT /project-deployer/infras/{infraId}"""
    infra = lookup(call.store, "Infra", "infras", call.params["infraId"])
    body = call.body
    if body.get("id", infra["id"]) != infra["id"]:
        raise bad_request("infra id cannot be changed")
    if "stage" in body and body["stage"] not in _stage_ids(call.store):
        raise bad_request(f"unknown stage {body['stage']!r}")
    for key in ("permissions", "autoconfigureFromNodesDirectory", "nodeId", "automationNodeUrl", "adminApiKey",
                "trustAllSSLCertificates", "stage"):
        if key in body:
            infra[key] = copy.deepcopy(body[key])
    infra["versionTag"] = bump(infra["versionTag"])
    return no_content()


def delete_infra(call: Call):
    """DELETE /project-deployer/infras/{infraId}: refused (400) while a deployment uses it."""
    infra = lookup(call.store, "Infra", "infras", call.params["infraId"])
    users = deployments_where(call.store, "infraId", infra["id"])
    if users:
        raise bad_request(f"infra {infra['id']} is used by {len(users)} deployment(s)")
    del call.store.dss["infras"][infra["id"]]
    return no_content()


def create_infra(call: Call):
    """POST /project-deployer/projects/infras"""
    body = call.body
    require(body, "id", "stage")
    if body["id"] in call.store.dss["infras"]:
        raise bad_request(f"infra {body['id']!r} already exists")
    if body["stage"] not in _stage_ids(call.store):
        raise bad_request(f"unknown stage {body['stage']!r} (known: {', '.join(_stage_ids(call.store))})")
    stamp = now_ms()
    infra = {
        "id": body["id"],
        "stage": body["stage"],
        "permissions": [],
        "creationTag": version_tag(1, SERVICE_LOGIN, stamp, SERVICE_DISPLAY),
        "versionTag": version_tag(1, SERVICE_LOGIN, stamp, SERVICE_DISPLAY),
        "autoconfigureFromNodesDirectory": False,
        "nodeId": body["id"],
        "automationNodeUrl": body.get("automationNodeUrl", ""),
        "adminApiKey": body.get("apiKey", ""),
        "trustAllSSLCertificates": False,
        "defaultConnectionRemapping": [],
    }
    call.store.dss["infras"][infra["id"]] = infra
    return infra_settings_view(infra)
