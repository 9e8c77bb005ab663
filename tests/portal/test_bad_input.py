"""A sweep of hostile and malformed input across every app: the answer is always a clear 4xx (or the page), never a
500, and never an upstream key."""

from __future__ import annotations

import json

import pytest

HOSTILE_IDS = ["..", "%2E%2E", "a%2Fb", "<script>alert(1)</script>", "x" * 600, "nope", "%00", "art-0001%3Fx%3D1"]

PAGES = [
    "/governance/artifacts/{id}/",
    "/governance/artifacts/art-0001/steps/{id}/",
    "/governance/artifacts/{id}/steps/{id}/approve/",
    "/governance/blueprints/{id}/",
    "/governance/blueprints/bp-model/versions/{id}/",
    "/deployments/d/{id}/",
    "/deployments/projects/{id}/",
    "/deployments/infras/{id}/",
    "/deployments/api-nodes/{id}/",
    "/deployments/api-nodes/apinode-a/services/{id}/",
    "/api/governance/artifacts/{id}/",
    "/api/deployments/{id}/",
]

QUERIES = [
    "/governance/artifacts/?page=-1&sort=%3Cscript%3E&desc=maybe&q=" + "q" * 5000,
    "/governance/artifacts/?page=999999",
    "/deployments/?health=BOGUS&stage=%00&q=" + "q" * 5000,
    "/api/governance/artifacts/?limit=-5&offset=abc&sort=nope",
]

SECRETS = ("govern-service-key", "dss-service-key", "apinode-admin-key")


@pytest.fixture
def warm(db, sandbox):
    """The worker-kept caches filled, as beat does, so unknown ids are known to be unknown."""
    from deployer_ui.tasks import refresh_deployments, sample_api_nodes
    from tests.govern_ui.helpers import fill_mirror

    refresh_deployments()
    sample_api_nodes()
    fill_mirror()


def _assert_clean(response, url, *, upstream_failing=False):
    body = response.content.decode(errors="replace")
    if upstream_failing and response.status_code in (502, 503, 504):
        # A page that needs the upstream live says so clearly instead of showing a 500.
        assert 'role="alert"' in body or '"upstream"' in body, f"{url} -> {response.status_code} without a banner"
    else:
        assert response.status_code < 500, f"{url} -> {response.status_code}"
    for secret in SECRETS:
        assert secret not in body, f"{url} shows an upstream key"
    assert "<script>alert(1)</script>" not in body, f"{url} echoes markup unescaped"


@pytest.mark.parametrize("template", PAGES)
def test_hostile_ids_get_a_clear_answer_never_a_500(sandbox, warm, login, everyone, template):
    client = login(everyone)
    for hostile in HOSTILE_IDS:
        url = template.format(id=hostile)
        response = client.get(url)
        _assert_clean(response, url)
        if hostile == "nope":
            assert response.status_code == 404, url


@pytest.mark.parametrize("url", QUERIES)
def test_malformed_query_strings_get_a_clear_answer(sandbox, warm, login, everyone, url):
    _assert_clean(login(everyone).get(url), url)


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"kind": "approve"}', json.dumps({
    "kind": "approve", "artifact_id": "art-0001", "step_id": "x" * 10_000, "comment": "c" * 6000,
    "idempotency_key": "k" * 500}).encode(), b'{"kind": "delegate", "artifact_id": "..", "step_id": "..", '
    b'"delegate_to": "<script>alert(1)</script>", "idempotency_key": "abc"}'])
def test_malformed_action_bodies_are_refused_with_a_message(sandbox, login, reviewer, body):
    response = login(reviewer).post("/api/governance/actions/", data=body, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert response.json(), "a 4xx without a message"
    _assert_clean(response, "POST /api/governance/actions/")


@pytest.mark.parametrize("body", [b"{not json", b'{"deployment_id": ""}', b'{"deployment_id": "nope"}',
                                  b'{"deployment_id": "churn-dev", "bundle_id": "' + b"b" * 3000 + b'"}'])
def test_malformed_update_bodies_are_refused_with_a_message(sandbox, login, operator, body):
    response = login(operator).post("/api/deployments/updates/", data=body, content_type="application/json")
    assert 400 <= response.status_code < 500
    _assert_clean(response, "POST /api/deployments/updates/")


def test_upstream_answering_garbage_leaves_every_page_up(sandbox, warm, faults, login, everyone):
    faults(target="all", garbage=True)
    client = login(everyone)
    for url in ["/", "/governance/artifacts/", "/governance/artifacts/art-0001/", "/governance/blueprints/",
                "/governance/users/", "/deployments/", "/deployments/d/churn-dev/", "/deployments/projects/",
                "/deployments/tasks/", "/deployments/api-nodes/", "/deployments/api-nodes/apinode-a/"]:
        response = client.get(url)
        _assert_clean(response, url, upstream_failing=True)
