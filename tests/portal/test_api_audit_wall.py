"""The audit log and wall screens in the API: the pages' filters, pages, exports and roles; a wall screen's token in
the creating answer only, and revocation audited."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from deployer_ui.models import WallScreen
from deployer_ui.wall.screens import digest
from portal.audit.models import AuditEvent
from portal.audit.service import record


def _events(n: int, **fields) -> None:
    for i in range(n):
        record(actor=None, action=fields.get("action", "deployment.update"), target_type="deployment",
               target_id=f"dep-{i}", outcome="success", input={"n": i})


@pytest.mark.parametrize("persona", ["reviewer", "operator", "outsider"])
def test_only_auditors_and_admins_read_the_audit_log(request, login, persona):
    client = login(request.getfixturevalue(persona))
    for url in ("/api/audit/events/", "/api/audit/export.csv", "/api/audit/export.json", "/api/audit/verify/"):
        assert client.get(url).status_code == 403, url


def test_events_are_filtered_and_paged_as_on_the_audit_page(login, auditor):
    _events(5, action="deployment.update")
    _events(2, action="api_service.disable")
    client = login(auditor)
    first = client.get("/api/audit/events/?action=deployment&limit=3").json()
    assert [e["action"] for e in first["results"]] == ["deployment.update"] * 3
    assert first["newer"] is None and first["older"]
    second = client.get(f"/api/audit/events/?action=deployment&limit=3&before={first['older']}").json()
    assert len(second["results"]) == 2 and second["older"] is None
    one = client.get(f"/api/audit/events/{first['results'][0]['id']}/").json()
    assert one["hash"] and one["prev_hash"] and one["input"] == {"n": 4}
    bad = client.get("/api/audit/events/?since=2026-02-01&until=2026-01-01")
    assert bad.status_code == 400 and bad.json()["until"] == ["The end date is before the start date."]
    assert client.get("/api/audit/events/?limit=0").status_code == 400


def test_exports_stream_the_filtered_view(login, auditor):
    _events(3, action="api_service.enable")
    client = login(auditor)
    csv = client.get("/api/audit/export.csv?action=api_service")
    assert csv["Content-Type"].startswith("text/csv")
    lines = b"".join(csv.streaming_content).decode().splitlines()
    assert lines[0].startswith("id,at,source") and lines[-1].startswith("#chain,")
    assert len(lines) == 5
    data = client.get("/api/audit/export.json?action=api_service")
    body = b"".join(data.streaming_content)
    parsed = json.loads(body)
    newest = AuditEvent.objects.filter(action="api_service.enable").order_by("-id").first()
    assert parsed["count"] == 3 and parsed["last_hash"] == newest.hash


def test_verification_is_asked_by_admins(login, auditor, admin_user):
    assert login(auditor).post("/api/audit/verify/").status_code == 403
    asked = login(admin_user).post("/api/audit/verify/")
    assert asked.status_code == 202 and asked.json()["requested_at"]


def test_an_admin_creates_a_wall_screen_whose_link_is_shown_once(login, admin_user, sandbox):
    client = login(admin_user)
    created = client.post("/api/wall/screens/", {"name": "Ops TV"}, content_type="application/json")
    assert created.status_code == 201 and "no-store" in created["Cache-Control"]
    body = created.json()
    assert body["url"].endswith(f"/wall/{body['token']}/")
    screen = WallScreen.objects.get(pk=body["screen"]["id"])
    assert screen.token_sha256 == digest(body["token"])
    assert body["token"] not in client.get("/api/wall/screens/").content.decode()
    assert Client().get(f"/wall/{body['token']}/").status_code == 200
    created_event = AuditEvent.objects.get(action="wall_screen.create")
    assert body["token"] not in str(created_event.input)
    revoked = client.post(f"/api/wall/screens/{screen.pk}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert AuditEvent.objects.filter(action="wall_screen.revoke").count() == 1
    assert Client().get(f"/wall/{body['token']}/").status_code in (403, 410)


def test_wall_screens_are_for_admins_and_a_scope_must_exist(login, operator, admin_user, sandbox):
    assert login(operator).get("/api/wall/screens/").status_code == 403
    assert login(operator).post("/api/wall/screens/", {"name": "x"}, content_type="application/json").status_code \
        == 403
    refused = login(admin_user).post("/api/wall/screens/", {"name": "x", "stages": ["no-such-stage"]},
                                     content_type="application/json")
    assert refused.status_code == 400 and "stages" in refused.json()
    assert not WallScreen.objects.exists()
