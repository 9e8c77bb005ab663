"""Personal API tokens: made and shown once, kept only as a digest, usable as `Authorization: Bearer`, revocable,
stamped with their last use at most once a minute, audited; HTTP Basic with a password is refused; the API throttles
a person's requests."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

from django.test import Client

from portal.audit.models import AuditEvent
from portal.tokens import service
from portal.tokens.models import ApiToken


def bearer(value: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {value}"}


def test_a_token_is_shown_once_and_kept_only_as_its_digest(login, operator):
    client = login(operator)
    created = client.post("/api/tokens/", {"name": "CI pipeline"}, content_type="application/json")
    assert created.status_code == 201
    assert "no-store" in created["Cache-Control"]
    value = created.json()["value"]
    assert value.startswith("pt_") and len(value) >= 40
    row = ApiToken.objects.get(pk=created.json()["token"]["id"])
    assert row.digest == hashlib.sha256(value.encode()).hexdigest()
    stored = " ".join(str(getattr(row, f.attname)) for f in ApiToken._meta.concrete_fields)
    assert value not in stored and value[len(row.prefix):] not in stored
    listing = client.get("/api/tokens/").json()
    assert [t["name"] for t in listing] == ["CI pipeline"]
    assert value not in client.get("/api/tokens/").content.decode()
    events = AuditEvent.objects.filter(action="api_token.create")
    assert [e.outcome for e in events] == ["success"]
    assert value not in str(events[0].input) and events[0].input["name"] == "CI pipeline"


def test_a_token_authenticates_its_owner_with_their_roles(operator, db):
    issued = service.create(user=operator, name="script")
    anonymous = Client()
    assert anonymous.get("/api/deployments/updates/", **bearer(issued.value)).status_code == 200
    # The operator's roles, not more: the audit log is for auditors and admins.
    assert anonymous.get("/api/audit/events/", **bearer(issued.value)).status_code == 403
    wrong = anonymous.get("/api/deployments/updates/", **bearer(issued.value + "x"))
    assert wrong.status_code == 401 and wrong["WWW-Authenticate"].startswith("Bearer")
    assert wrong.json() == {"detail": "Unknown or revoked API token."}


def test_a_revoked_token_stops_working_at_once_and_the_revocation_is_audited(login, operator):
    issued = service.create(user=operator, name="laptop")
    client = login(operator)
    assert client.delete(f"/api/tokens/{issued.token.pk}/").status_code == 204
    assert Client().get("/api/deployments/updates/", **bearer(issued.value)).status_code == 401
    assert client.get("/api/tokens/").json()[0]["active"] is False
    assert AuditEvent.objects.filter(action="api_token.revoke", target_id=str(issued.token.pk)).count() == 1
    # Again: nothing more to do, nothing more audited.
    assert client.delete(f"/api/tokens/{issued.token.pk}/").status_code == 204
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1


def test_nobody_revokes_another_persons_token(login, operator, auditor):
    issued = service.create(user=operator, name="mine")
    assert login(auditor).delete(f"/api/tokens/{issued.token.pk}/").status_code == 404
    assert Client().get("/api/deployments/updates/", **bearer(issued.value)).status_code == 200


def test_last_use_is_stamped_at_most_once_a_minute(operator, db):
    issued = service.create(user=operator, name="poller")
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at is None
    client = Client()
    client.get("/api/tokens/", **bearer(issued.value))
    first = ApiToken.objects.get(pk=issued.token.pk).last_used_at
    assert first is not None
    client.get("/api/tokens/", **bearer(issued.value))
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at == first
    ApiToken.objects.filter(pk=issued.token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get("/api/tokens/", **bearer(issued.value))
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at > first


def test_a_token_cannot_make_another_token(operator, db):
    issued = service.create(user=operator, name="ci")
    response = Client().post("/api/tokens/", {"name": "more"}, content_type="application/json",
                             **bearer(issued.value))
    assert response.status_code == 403
    assert ApiToken.objects.count() == 1


def test_http_basic_with_a_password_is_refused(operator):
    basic = base64.b64encode(b"dave:pw-dave").decode()
    response = Client().get("/api/deployments/updates/", HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_session_needs_the_csrf_token_to_change_anything(operator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    refused = client.post("/api/tokens/", {"name": "x"}, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert client.get("/api/tokens/").status_code == 200


def test_too_many_requests_answer_429_with_retry_after(operator, settings):
    settings.API_USER_REQUESTS_PER_MINUTE = 3
    issued = service.create(user=operator, name="busy")
    client = Client()
    answers = [client.get("/api/tokens/", **bearer(issued.value)).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    throttled = client.get("/api/tokens/", **bearer(issued.value))
    assert int(throttled["Retry-After"]) > 0 and "throttled" in throttled.json()["detail"].lower()


def test_a_person_has_at_most_twenty_active_tokens(operator, db):
    for n in range(service.MAX_ACTIVE):
        service.create(user=operator, name=f"t{n}")
    client = Client()
    client.force_login(operator)
    refused = client.post("/api/tokens/", {"name": "one more"}, content_type="application/json")
    assert refused.status_code == 409 and "revoke one" in refused.json()["detail"]
