"""Sign-ins, sign-outs and failed sign-ins are recorded, with the request's id and the client's address."""

from __future__ import annotations

from portal.audit.context import client_ip_from
from portal.audit.models import AuditEvent


def test_a_sign_in_is_recorded_with_request_id_and_client_address(client, reviewer):
    response = client.post("/login/", {"username": "alice", "password": "pw-alice"}, REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.login")
    assert (event.actor_id, event.actor_username, event.outcome, event.source) == (reviewer.pk, "alice", "success",
                                                                                  "portal")
    assert event.client_ip == "192.0.2.7"
    assert event.request_id and event.request_id == response["X-Request-ID"]


def test_a_sign_out_is_recorded(client, reviewer):
    client.post("/login/", {"username": "alice", "password": "pw-alice"})
    client.post("/logout/")
    assert list(AuditEvent.objects.order_by("id").values_list("action", "actor_username")) == [
        ("auth.login", "alice"), ("auth.logout", "alice")]


def test_a_failed_sign_in_is_recorded_without_the_password(client, reviewer):
    response = client.post("/login/", {"username": "alice", "password": "guess-123"}, REMOTE_ADDR="198.51.100.4")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert (event.actor_id, event.actor_username, event.outcome, event.client_ip) == (None, "alice", "failed",
                                                                                     "198.51.100.4")
    assert "guess-123" not in str(event.input) + event.detail
    unknown = client.post("/login/", {"username": "nobody", "password": "x"})
    assert unknown.status_code == 200
    assert AuditEvent.objects.filter(action="auth.login_failed", actor_username="nobody").exists()


def test_a_well_formed_incoming_request_id_is_kept_and_a_malformed_one_replaced(client, reviewer):
    good = "3f2b9c1e-7d4a-4e8b-9a61-0c5d2e8f1a7b"
    response = client.post("/login/", {"username": "alice", "password": "pw-alice"}, HTTP_X_REQUEST_ID=good)
    assert response["X-Request-ID"] == good
    assert AuditEvent.objects.get(action="auth.login").request_id == good
    bad = client.get("/login/", HTTP_X_REQUEST_ID='<script>"x"</script>')
    assert bad["X-Request-ID"] != '<script>"x"</script>' and len(bad["X-Request-ID"]) == 32


def test_the_client_address_comes_from_trusted_proxies_only(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.PORTAL_TRUSTED_PROXIES = 0
    assert client_ip_from(request) == "10.0.0.5"  # the header can be forged by anyone
    settings.PORTAL_TRUSTED_PROXIES = 1
    assert client_ip_from(request) == "203.0.113.9"  # what our one proxy saw; the client's own prefix is ignored
