"""The portal's own REST API is documented: the OpenAPI schema generates and validates without warnings, documents
every operation's body, parameters and error answers, and its docs page works from local files under the CSP."""

from __future__ import annotations

import os
import re

import pytest
import yaml
from django.core.management import call_command

from tests.conftest import save_screenshot

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker):
    out = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    return yaml.safe_load(out.read_text())


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_schema_generates_without_warnings_and_documents_every_app(schema):
    paths = set(schema["paths"])
    for expected in ("/api/governance/actions/", "/api/deployments/updates/", "/api/deployments/tasks/",
                     "/api/deployments/api-nodes/{node_id}/services/{service_id}/actions/", "/api/audit/events/",
                     "/api/audit/export.csv", "/api/wall/screens/", "/api/tokens/"):
        assert expected in paths, expected
    operation_ids = [op["operationId"] for _, _, op in _operations(schema)]
    assert len(operation_ids) == len(set(operation_ids))


def test_every_operation_documents_its_success_and_its_errors(schema):
    missing = []
    for path, method, operation in _operations(schema):
        codes = set(operation["responses"])
        wanted = {"400", "401", "403", "429"}
        if "{" in path:
            wanted.add("404")
        if method in ("post", "put", "patch", "delete"):
            wanted.add("409")
        if method in ("post", "put", "patch"):
            wanted |= {"413", "415"}
        if not any(c.startswith("2") for c in codes):
            missing.append(f"{method} {path}: no success answer")
        if wanted - codes:
            missing.append(f"{method} {path}: {sorted(wanted - codes)}")
        for code, response in operation["responses"].items():
            if code.startswith(("4", "5")):
                assert "application/json" in response.get("content", {}), f"{method} {path} {code}"
            if code != "204" and not code.startswith("3"):
                assert response.get("content") or code == "204", f"{method} {path} {code} has no body"
        for parameter in operation.get("parameters", []):
            assert parameter.get("schema"), f"{method} {path} {parameter['name']}"
        if method in ("post", "put", "patch") and "requestBody" not in operation:
            assert path.endswith(("/abort/", "/retry/", "/rollback/", "/redeploy/", "/revoke/", "/verify/")), \
                f"{method} {path} documents no body"
    assert missing == []


def test_upstream_failures_are_documented_where_an_upstream_is_read(schema):
    operation = schema["paths"]["/api/deployments/tasks/"]["get"]
    assert {"502", "503", "504"} <= set(operation["responses"])
    error = schema["components"]["schemas"]["Error"]
    assert {"detail", "upstream", "kind", "upstream_status"} <= set(error["properties"])


def test_only_tokens_and_sessions_are_documented_no_basic(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["apiToken"] == {**schemes["apiToken"], "type": "http", "scheme": "bearer"}
    assert not any(s.get("scheme") == "basic" for s in schemes.values())


def test_schema_endpoint_needs_a_signed_in_user(client, db):
    assert client.get("/api/schema/").status_code == 401


def test_the_docs_page_uses_local_pinned_files_only(login, auditor):
    html = login(auditor).get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert not re.search(r"""(src|href)=["']https?://""", html), "a file from another site"
    assert "<style" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)


@pytest.fixture(scope="module")
def _sync_db_under_playwright():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.mark.browser
def test_the_docs_page_renders_in_chromium_without_a_policy_violation(_sync_db_under_playwright, transactional_db,
                                                                      page, live_server, auditor):
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(msg.text))
    page.on("pageerror", lambda err: messages.append(str(err)))
    elsewhere: list[str] = []
    page.on("request",
            lambda req: None if req.url.startswith((live_server.url, "data:")) else elsewhere.append(req.url))
    page.portal_login(auditor)
    page.goto("/api/docs/")
    page.wait_for_selector(".opblock-summary-path", timeout=30000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/deployments/updates/" in p for p in paths)
    page.locator(".opblock-summary-path", has_text="/api/tokens/").first.click()
    page.wait_for_selector(".opblock-body", timeout=10000)
    save_screenshot(page, "api-docs")
    violations = [m for m in messages if "Content Security Policy" in m or "Refused to" in m]
    assert violations == [] and elsewhere == []
