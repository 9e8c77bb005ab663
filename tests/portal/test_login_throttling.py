"""Sign-in throttling: per account and per address, with a lockout window, each refusal audited."""

from __future__ import annotations

import time

import pytest
from django.test import RequestFactory

from portal.audit.models import AuditEvent

LIMIT = 3


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = 1 / 60  # hours: one minute, overridden where a test waits it out


def _sign_in(client, username, password, address="192.0.2.10"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_wrong_passwords_lock_the_account_even_for_the_right_password(client, reviewer):
    for _ in range(LIMIT):
        _sign_in(client, "alice", "wrong")
    response = _sign_in(client, "alice", "pw-alice")
    assert response.status_code == 429
    assert b"Sign-in temporarily locked" in response.content
    assert "_auth_user_id" not in client.session


def test_a_locked_account_is_locked_from_another_address_too(client, reviewer):
    for _ in range(LIMIT):
        _sign_in(client, "alice", "wrong", address="192.0.2.10")
    assert _sign_in(client, "alice", "pw-alice", address="203.0.113.9").status_code == 429


def test_failures_across_accounts_lock_the_address(client, reviewer, reviewer2):
    for name in ("x1", "x2", "x3")[:LIMIT]:
        _sign_in(client, name, "wrong", address="198.51.100.20")
    assert _sign_in(client, "bob", "pw-bob", address="198.51.100.20").status_code == 429
    # Another address still signs in to the same account.
    assert _sign_in(client, "bob", "pw-bob", address="198.51.100.21").status_code == 302


def test_a_lockout_is_audited_with_the_name_and_address(client, reviewer):
    for _ in range(LIMIT):
        _sign_in(client, "alice", "wrong", address="192.0.2.33")
    _sign_in(client, "alice", "pw-alice", address="192.0.2.33")
    events = AuditEvent.objects.filter(action="auth.locked_out")
    assert events.exists()
    event = events.latest("id")
    assert (event.actor_username, event.target_id, event.outcome, event.client_ip) == (
        "alice", "alice", "refused", "192.0.2.33")
    assert event.input["address"] == "192.0.2.33"
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_the_lock_expires_after_the_cool_off(client, reviewer, settings):
    settings.AXES_COOLOFF_TIME = 1 / 3600  # one second
    for _ in range(LIMIT):
        _sign_in(client, "alice", "wrong")
    assert _sign_in(client, "alice", "pw-alice").status_code == 429
    time.sleep(1.5)
    assert _sign_in(client, "alice", "pw-alice").status_code == 302


def test_the_test_client_signs_in_when_given_a_request(client, reviewer):
    request = RequestFactory().post("/login/")
    assert client.login(request=request, username="alice", password="pw-alice")
