"""Headers and session rules for every response: no caching of signed-in pages, browser features off, idle expiry."""

from __future__ import annotations

import time

from django.conf import settings

# A signed-in session is renewed (its expiry pushed back by SESSION_COOKIE_AGE) at most this often, so that reading
# pages does not write the session row on every request.
RENEW_EVERY_SECONDS = 300
RENEWED_KEY = "_portal_renewed"


class SignedInPagesMiddleware:
    """Sends `Permissions-Policy` on every response and `Cache-Control: private, no-store` on signed-in pages, and
    renews a signed-in session while it is used: a session idle for PORTAL_SESSION_HOURS expires."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "private, no-store"
            session = request.session
            now = int(time.time())
            if now - int(session.get(RENEWED_KEY, 0)) >= RENEW_EVERY_SECONDS:
                session[RENEWED_KEY] = now  # a modified session is saved with a fresh expiry
        return response
