"""The governance REST API: same subject modules, rules and idempotency as the pages."""

from __future__ import annotations

import pytest

from govern_ui.client import get_client
from govern_ui.models import ReviewAction
from sandbox.seed import FIRST_ARTIFACT
from tests.govern_ui.helpers import REVIEWS_OP, fill_mirror, find_step, posts

pytestmark = pytest.mark.django_db(transaction=True)


def test_artifact_list_pages_filters_and_sorts(sandbox, operator, login):
    client = login(operator)
    body = client.get("/api/governance/artifacts/?limit=5&offset=5&sort=created").json()
    everything = sorted(get_client().list_artifacts(), key=lambda a: (a.created_on, a.id))
    assert body["count"] == len(everything)
    assert [row["id"] for row in body["results"]] == [a.id for a in everything[5:10]]
    body = client.get("/api/governance/artifacts/?blueprint=bp-dataset").json()
    assert body["results"] and {row["blueprint_id"] for row in body["results"]} == {"bp-dataset"}
    assert client.get("/api/governance/artifacts/?sort=nonsense").status_code == 400


def test_artifact_detail_and_unknown_id(sandbox, reviewer, login):
    client = login(reviewer)
    body = client.get(f"/api/governance/artifacts/{FIRST_ARTIFACT}/").json()
    assert body["id"] == FIRST_ARTIFACT and body["sign_offs"] and "access" in body["sign_offs"][0]
    missing = client.get("/api/governance/artifacts/art-9999/")
    assert missing.status_code == 404 and missing.json()["upstream"] == "Govern"


def test_action_create_is_idempotent_and_delivers(sandbox, reviewer, login):
    art, step = find_step(sandbox.summary(), "NOT_STARTED", required=1)
    client = login(reviewer)
    payload = {"kind": "approve", "artifact_id": art, "step_id": step, "comment": "via API",
               "idempotency_key": "api-key-0001"}
    first = client.post("/api/governance/actions/", payload, content_type="application/json")
    again = client.post("/api/governance/actions/", payload, content_type="application/json")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"] and first.json()["state"] == "delivered"
    assert posts(sandbox) == 1
    assert get_client().get_sign_off(art, step).status == "APPROVED"
    detail = client.get(f"/api/governance/actions/{first.json()['id']}/").json()
    assert detail["state"] == "delivered" and detail["actor"] == "alice"
    listing = client.get("/api/governance/actions/").json()
    assert listing["count"] == 1


def test_action_create_validates_and_enforces_rules(sandbox, reviewer, operator, login):
    art, step = find_step(sandbox.summary(), "APPROVED")
    client = login(reviewer)
    base = {"artifact_id": art, "step_id": step, "idempotency_key": "api-key-0002"}
    assert client.post("/api/governance/actions/", {**base, "kind": "reject"},
                       content_type="application/json").status_code == 400
    long = client.post("/api/governance/actions/", {**base, "kind": "approve", "comment": "x" * 5001},
                       content_type="application/json")
    assert long.status_code == 400 and "comment" in long.json()
    decided = client.post("/api/governance/actions/", {**base, "kind": "approve"}, content_type="application/json")
    assert decided.status_code == 409 and "already approved" in decided.json()["detail"]
    assert posts(sandbox, REVIEWS_OP) == 0 and not ReviewAction.objects.exists()
    forbidden = login(operator).post("/api/governance/actions/", {**base, "kind": "approve"},
                                     content_type="application/json")
    assert forbidden.status_code == 403


def test_queue_api(sandbox, reviewer, login):
    client = login(reviewer)
    assert client.get("/api/governance/queue/").json()["loading"] is True
    fill_mirror()
    body = client.get("/api/governance/queue/").json()
    assert body["loading"] is False and body["items"]


def test_schema_documents_the_governance_api(sandbox, admin_user, login):
    schema = login(admin_user).get("/api/schema/").content.decode()
    for path in ["/api/governance/artifacts/", "/api/governance/queue/", "/api/governance/actions/{action_id}/"]:
        assert path in schema
    assert "ReviewActionCreate" in schema
