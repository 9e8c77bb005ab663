"""The portal's own REST API is documented: the OpenAPI schema generates, validates and has no warnings."""

from __future__ import annotations

import yaml
from django.core.management import call_command


def test_schema_generates_without_warnings_and_documents_both_apps(tmp_path, db):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    paths = set(schema["paths"])
    assert "/api/governance/actions/" in paths
    assert "/api/deployments/updates/" in paths
    operation_ids = [op["operationId"] for item in schema["paths"].values() for op in item.values()
                     if isinstance(op, dict) and "operationId" in op]
    assert len(operation_ids) == len(set(operation_ids))


def test_schema_endpoint_needs_a_signed_in_user(client, db):
    assert client.get("/api/schema/").status_code in (401, 403)
