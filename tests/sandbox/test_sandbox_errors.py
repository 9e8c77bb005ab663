"""Auth failures, malformed bodies, unknown ids and path-traversal attempts get JSON errors, never data."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlparse

import pytest
import requests

UPSTREAM_READS = {
    "govern": "/artifacts",
    "dss": "/project-deployer/deployments",
    "apinode-a": "/services",
    "apinode-b": "/auth/keys",
}


def assert_json_error(response: requests.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["errorType"] and body["message"]
    return body


@pytest.mark.parametrize("upstream", sorted(UPSTREAM_READS))
@pytest.mark.parametrize("scheme", ["basic", "bearer", "none"])
def test_wrong_or_missing_key_is_401(sb, upstream, scheme):
    url = sb.url(upstream) + UPSTREAM_READS[upstream]
    if scheme == "basic":
        response = requests.get(url, auth=("not-a-key", ""), timeout=10)
    elif scheme == "bearer":
        response = requests.get(url, headers={"Authorization": "Bearer not-a-key"}, timeout=10)
    else:
        response = requests.get(url, timeout=10)
    assert_json_error(response, 401)


@pytest.mark.parametrize("upstream,key", [("govern", "govern-service-key"), ("govern", "govern-key-erin"),
                                          ("dss", "dss-service-key"), ("apinode-a", "apinode-admin-key")])
def test_right_key_works_with_basic_and_bearer(sb, upstream, key):
    url = sb.url(upstream) + UPSTREAM_READS[upstream]
    assert requests.get(url, auth=(key, ""), timeout=10).status_code == 200
    assert requests.get(url, headers={"Authorization": f"Bearer {key}"}, timeout=10).status_code == 200


def test_keys_do_not_cross_upstreams_and_unknown_users_fail(sb):
    assert requests.get(sb.url("dss") + "/project-deployer/deployments", auth=("govern-service-key", ""),
                        timeout=10).status_code == 401
    assert requests.get(sb.url("govern") + "/artifacts", auth=("govern-key-mallory", ""), timeout=10).status_code == 401


def test_health_needs_no_key(node_b):
    response = requests.get(node_b.base_url + "/health", timeout=10)
    node_b.validator.validate(response)
    assert response.json()["status"] == "DEGRADED"


def test_malformed_json_is_400(govern, dss, node_a):
    for api, path, method in (
        (govern, "/artifacts", "POST"),
        (govern, "/artifacts/art-0001/sign-offs/business-review/reviews", "POST"),
        (dss, "/project-deployer/deployments/churn-dev/settings", "PUT"),
        (dss, "/project-deployer/deployments/churn-dev/actions/update", "POST"),
        (node_a, "/auth/keys", "POST"),
    ):
        response = api.call(method, path, data="{not json", headers={"Content-Type": "application/json"},
                            check=False)
        assert "Malformed JSON" in assert_json_error(response, 400)["message"]
        api.validator.validate_error(response, request_valid=False)


@pytest.mark.parametrize("path,body,needle", [
    ("/artifacts/art-0001/sign-offs/business-review/reviews", {"outcome": "MAYBE"}, "outcome"),
    ("/artifacts/art-0001/sign-offs/business-review/reviews", {}, "outcome"),
    ("/artifacts", {"name": "x"}, "blueprintId"),
    ("/artifacts", {"name": 5, "blueprintId": "bp-model"}, "name"),
    ("/blueprints", {"name": "x", "icon": ["no"]}, "icon"),
    ("/artifacts/art-0001/sign-offs/business-review/delegate", {}, "delegateTo"),
])
def test_govern_body_validation_is_400(govern, path, body, needle):
    response = govern.post(path, json=body, check=False)
    govern.validator.validate_error(response, request_valid=False)
    assert needle in assert_json_error(response, 400)["message"]


def test_custom_field_values_are_type_checked(govern):
    for changes in ({"uses_pii": "yes"}, {"review_date": "31/12/2025"}, {"risk_tier": "Extreme"},
                    {"reviewers": ["nobody"]}, {"no_such_field": 1}, {"risk_score": True}):
        response = govern.put("/artifacts/art-0001/custom-fields", json=changes, check=False)
        assert_json_error(response, 400)
        govern.validator.validate_error(response, request_valid=True)  # free-form in the spec, typed by Govern


def test_dss_and_apinode_body_validation_is_400(dss, node_a):
    for response in (
        dss.post("/project-deployer/deployments/churn-dev/actions/update", json={"synchronous": "yes"}, check=False),
        dss.put("/project-deployer/deployments/churn-dev/settings",
                json={"bundleContainerSettings": {"codeEnvsBehavior": {"importTimeMode": "SOMETIMES"}}}, check=False),
        dss.post("/project-deployer/deployments", json={"deploymentId": "x"}, check=False),
        dss.post("/project-deployer/projects/infras", json={"id": "i", "stage": "Staging"}, check=False),
        dss.post("/project-deployer/projects/bundles", check=False),
        node_a.post("/auth/keys", json={"allowedServices": "all"}, check=False),
        node_a.post("/auth/keys", json={"allowedServices": ["no-such-service"]}, check=False),
        node_a.post("/services/churn-prediction/generations", data={"other": "x"}, check=False),
    ):
        assert_json_error(response, 400)
        validator = dss.validator if "/public/api" in response.request.url else node_a.validator
        validator.validate_error(response, request_valid=None)


def test_unknown_ids_are_404(govern, dss, node_a):
    for api, path, method in (
        (govern, "/blueprints/nope", "GET"),
        (govern, "/blueprints/bp-model/versions/nope", "GET"),
        (govern, "/artifacts/art-9999", "GET"),
        (govern, "/artifacts/art-9999", "DELETE"),
        (govern, "/artifacts/art-0001/sign-offs/nope", "GET"),
        (govern, "/artifacts/nope/custom-fields", "GET"),
        (node_a, "/services/nope", "GET"),
        (node_a, "/services/churn-prediction/generations/nope", "GET"),
        (node_a, "/auth/keys/nope", "DELETE"),
    ):
        response = api.call(method, path, check=False)
        api.validator.validate_error(response)
        assert_json_error(response, 404)
    for path, method in (
        ("/project-deployer/deployments/nope", "GET"),
        ("/project-deployer/deployments/nope/status", "GET"),
        ("/project-deployer/projects/NOPE/settings", "GET"),
        ("/project-deployer/projects/CHURN/bundles/nope", "DELETE"),
        ("/project-deployer/infras/nope", "POST"),
        ("/futures/nope?peek=false", "GET"),
    ):
        response = dss.call(method, path, check=False)
        dss.validator.validate_error(response)  # the DSS spec declares no error status: JSON body checked
        assert_json_error(response, 404)
    assert_json_error(govern.get("/no/such/endpoint", check=False), 404)


def raw_request(base_url: str, method: str, raw_path: str, key: str) -> tuple[int, dict]:
    """Send a path byte-for-byte (requests/urllib3 would normalise ``..``)."""
    parsed = urlparse(base_url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    try:
        conn.putrequest(method, parsed.path + raw_path, skip_accept_encoding=True)
        conn.putheader("Authorization", f"Bearer {key}")
        conn.endheaders()
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


@pytest.mark.parametrize("raw_id", ["..", "%2E%2E", "a/b", "a%2Fb", "..%2F..%2Fusers", "../../users", "%2e%2e%2fusers",
                                    "art-0001%2F..%2Fart-0002"])
def test_path_ids_are_ids_not_paths(sb, raw_id):
    for upstream, key, prefix in (
        ("govern", "govern-service-key", "/artifacts/"),
        ("dss", "dss-service-key", "/project-deployer/deployments/"),
        ("apinode-a", "apinode-admin-key", "/services/"),
    ):
        status, body = raw_request(sb.url(upstream), "GET", prefix + raw_id, key)
        assert status == 404, (upstream, raw_id, body)
        assert set(body) == {"errorType", "message"}
