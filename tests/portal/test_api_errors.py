"""The API never answers 500: malformed, huge or deeply nested bodies, absurd page sizes and offsets, unknown ids and
unknown paths get a JSON 4xx with a message; an upstream failure is a 502/503/504 naming the upstream."""

from __future__ import annotations

import pytest

DEEP = b"[" * 100_000 + b"]" * 100_000
HUGE = "99999999999999999999"


def _json_error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body, "an error without a message"
    return body


@pytest.mark.parametrize("url", ["/api/governance/actions/", "/api/deployments/updates/", "/api/tokens/",
                                 "/api/wall/screens/"])
def test_deeply_nested_json_is_a_400(login, everyone, url):
    body = _json_error(login(everyone).post(url, data=DEEP, content_type="application/json"), 400)
    assert "deep" in body["detail"]


def test_json_nested_past_the_limit_is_a_400_even_when_python_could_read_it(login, everyone):
    nested = b'{"kind": ' + b"[" * 40 + b"]" * 40 + b"}"
    body = _json_error(login(everyone).post("/api/governance/actions/", data=nested,
                                            content_type="application/json"), 400)
    assert "deeper than 32" in body["detail"]


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe", b'{"deployment_id": NaN}'])
def test_malformed_bodies_are_a_400_with_a_message(login, operator, raw):
    body = _json_error(login(operator).post("/api/deployments/updates/", data=raw,
                                            content_type="application/json"), 400)
    assert body["detail"]


def test_an_empty_body_is_a_400_naming_the_missing_fields(login, operator):
    body = _json_error(login(operator).post("/api/deployments/updates/", data=b"", content_type="application/json"),
                       400)
    assert body == {"deployment_id": ["This field is required."]}


def test_a_body_of_another_type_is_a_415(login, operator):
    body = _json_error(login(operator).post("/api/deployments/updates/", data=b"x", content_type="text/plain"), 415)
    assert "text/plain" in body["detail"]


def test_a_body_over_the_size_limit_is_a_413(login, operator, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = b'{"deployment_id": "' + b"x" * 2000 + b'"}'
    _json_error(login(operator).post("/api/deployments/updates/", data=big, content_type="application/json"), 413)


@pytest.mark.parametrize("url", ["/api/governance/actions/", "/api/deployments/updates/"])
def test_a_huge_limit_or_offset_is_capped_not_a_500(login, everyone, url):
    client = login(everyone)
    assert client.get(f"{url}?limit={HUGE}").status_code == 200
    assert client.get(f"{url}?limit={HUGE}&offset={HUGE}").json()["results"] == []
    assert client.get(f"{url}?limit=-3&offset=x").status_code == 200


@pytest.mark.parametrize("url", [f"/api/deployments/updates/{HUGE}/", f"/api/audit/events/{HUGE}/",
                                 f"/api/governance/actions/{HUGE}/", f"/api/tokens/{HUGE}/",
                                 "/api/deployments/updates/424242/", "/api/audit/events/424242/", "/api/nowhere/"])
def test_unknown_ids_and_paths_are_a_json_404(login, everyone, url):
    client = login(everyone)
    response = client.delete(url) if url.startswith("/api/tokens/") else client.get(url)
    _json_error(response, 404)


def test_validation_errors_name_the_field(login, operator):
    body = _json_error(login(operator).post(
        "/api/deployments/api-nodes/apinode-a/services/x/actions/", {"action": "switch"},
        content_type="application/json"), 400)
    assert body == {"generation_id": ["Name the generation to switch to or preload."]}
    body = _json_error(login(operator).post("/api/deployments/updates/", {"bundle_id": 3},
                                            content_type="application/json"), 400)
    assert body["deployment_id"] == ["This field is required."]


def test_an_upstream_failure_names_the_upstream(sandbox, faults, login, everyone):
    faults(target="dss", down=True)
    response = login(everyone).get("/api/deployments/tasks/")
    assert response.status_code in (502, 503, 504)
    body = response.json()
    assert body["upstream"] == "Deployer" and body["kind"] in ("unavailable", "timeout", "bad_response")
    assert "dss-service-key" not in response.content.decode()


def test_an_upstream_answering_garbage_is_a_502(sandbox, faults, login, everyone):
    faults(target="dss", garbage=True)
    response = login(everyone).get("/api/deployments/tasks/")
    assert response.status_code == 502
    assert response.json()["upstream"] == "Deployer" and response.json()["kind"] == "bad_response"
