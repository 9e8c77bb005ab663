"""The API-node admin rules the portal relies on: a generation import must be the contract's multipart ZIP, the active
generation cannot be deleted, auth keys name existing services, and every refusal leaves the node as it was."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.sandbox.test_sandbox_errors import assert_json_error

SERVICE = "/services/churn-prediction"


def a_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("service.json", "{}")
    return buffer.getvalue()


def generation_ids(node) -> list[str]:
    return sorted(g["generationId"] for g in node.get(SERVICE + "/generations").json())


@pytest.mark.parametrize("body,spec_accepts", [
    ({"json": {"file": "UEsDBA=="}}, False),  # JSON, not multipart
    ({"data": {"file": "PK\x03\x04 as a form field"}}, False),  # urlencoded, not multipart
    ({"files": {"archive": ("v9.zip", a_zip(), "application/zip")}}, True),  # no part "file"
    ({"files": {"file": ("v9.zip", b"", "application/zip")}}, True),  # empty
    ({"files": {"file": ("v9.zip", b"just some text", "application/zip")}}, True),  # not a ZIP
])
def test_an_import_body_off_the_contract_is_refused_and_changes_nothing(node_a, body, spec_accepts):
    before = generation_ids(node_a)
    response = node_a.post(SERVICE + "/generations", check=False, **body)
    assert "Invalid bundle" in assert_json_error(response, 400)["message"]
    # A body the spec itself rejects must be rejected by the spec validator too; one it accepts (a schema without
    # "required") is refused by the node's own rule, which the contract declares as "400 Invalid bundle".
    node_a.validator.validate_error(response, request_valid=None if spec_accepts else False)
    assert generation_ids(node_a) == before


def test_a_real_zip_is_imported_inactive(node_a):
    before = generation_ids(node_a)
    created = node_a.post(SERVICE + "/generations", files={"file": ("v9.zip", a_zip(), "application/zip")}).json()
    assert created["generationId"] == "v9" and created["active"] is False
    assert generation_ids(node_a) == sorted([*before, "v9"])


def test_the_active_generation_cannot_be_deleted(node_a):
    active = node_a.get(SERVICE).json()["activeGeneration"]
    before = generation_ids(node_a)
    response = node_a.delete(f"{SERVICE}/generations/{active}", check=False)
    assert "active" in assert_json_error(response, 400)["message"]
    node_a.validator.validate_error(response, request_valid=True)
    assert generation_ids(node_a) == before and node_a.get(SERVICE).json()["activeGeneration"] == active


def test_a_key_deleted_twice_is_404_the_second_time(node_b):
    key = node_b.post("/auth/keys", json={"label": "once", "allowedServices": []}).json()
    node_b.delete(f"/auth/keys/{key['id']}")
    node_b.validator.validate_error(node_b.delete(f"/auth/keys/{key['id']}", check=False))
    assert key["id"] not in {k["id"] for k in node_b.get("/auth/keys").json()}


def test_a_key_for_an_unknown_service_is_refused(node_b):
    before = node_b.get("/auth/keys").json()
    response = node_b.post("/auth/keys", json={"label": "x", "allowedServices": ["no-such-service"]}, check=False)
    assert_json_error(response, 400)
    assert node_b.get("/auth/keys").json() == before
