"""Security headers and session rules: no caching of signed-in pages, browser features off, idle expiry, quiet 403s."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.sessions.models import Session

from portal.security import RENEWED_KEY


def test_signed_in_pages_are_never_cached(sandbox, login, reviewer):
    response = login(reviewer).get("/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_every_page_turns_browser_features_off(client, db):
    for url in ("/login/", "/healthz"):
        policy = client.get(url)["Permissions-Policy"]
        assert "camera=()" in policy and "geolocation=()" in policy


def test_a_session_lasts_the_configured_hours_and_is_renewed_while_used(sandbox, client, reviewer):
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    client.post("/login/", {"username": "alice", "password": "pw-alice"})
    client.get("/")
    session = client.session
    assert session.get(RENEWED_KEY)
    assert 11 * 3600 < session.get_expiry_age() <= 12 * 3600
    # Reading pages does not write the session on every request (a database write each)...
    row = Session.objects.get(session_key=session.session_key)
    client.get("/")
    assert Session.objects.get(session_key=session.session_key).expire_date == row.expire_date
    # ...but an idle session's renewal stamp is old: the next request renews it.
    session[RENEWED_KEY] = 0
    session.save()
    client.get("/")
    assert client.session[RENEWED_KEY] > 0


def test_a_403_is_logged_on_one_line_without_a_traceback(sandbox, login, reviewer, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert login(reviewer).get("/audit/").status_code == 403
    forbidden = [r for r in caplog.records if getattr(r, "status_code", None) == 403]
    assert forbidden
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in forbidden)
