"""Answers a page cannot give itself: a clear page for an upstream failure that a view did not handle (instead of a
500), "signed out" for a poll whose session is gone (instead of the login page pasted into the page), and "recorded,
followed later" after an action taken while the workers cannot be reached."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render, resolve_url

from portal.lib.redis_guard import redis_answers, redis_unavailable
from portal.lib.upstream import UpstreamError, UpstreamNotFound

log = logging.getLogger(__name__)


class UpstreamErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, UpstreamError):
            return None
        if request.path.startswith("/api/"):
            return None  # DRF's exception handler answers JSON for the API
        if isinstance(exception, UpstreamNotFound):
            return render(request, "404.html", {"upstream_error": exception}, status=404)
        log.warning("upstream failure on %s: %s", request.path, exception)
        status = 504 if exception.kind == "timeout" else 502
        return render(request, "portal/upstream_error.html", {"upstream_error": exception}, status=status)


def is_poll(request) -> bool:
    """An htmx request, or a wall screen's feed poll (`X-Wall-Poll: 1`): answered into part of a page."""
    return request.headers.get("HX-Request") == "true" or request.headers.get("X-Wall-Poll") == "1"


class SignedOutPollMiddleware:
    """A poll sent to the login page (the session ended: signed out elsewhere, expired) gets 401 with
    `X-Portal-Session: signed-out` instead of the redirect, which the browser would follow and htmx would swap the
    whole login page into the page. `static/js/portal.js` (and the wall's script) then say "signed out — sign in
    again" and stop polling. Must come after the authentication middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (response.status_code in (301, 302) and is_poll(request) and not request.user.is_authenticated
                and urlsplit(response.get("Location", "")).path == resolve_url(settings.LOGIN_URL)):
            signed_out = HttpResponse("Signed out: sign in again.", status=401, content_type="text/plain")
            signed_out["X-Portal-Session"] = "signed-out"
            signed_out["Cache-Control"] = "no-store"
            return signed_out
        return response


WORKERS_UNREACHABLE = ("Recorded. The workers cannot be reached right now: what you asked for is kept and will be "
                       "followed once they can be.")


class WorkersUnreachableMiddleware:
    """After a form action (a POST answered with a redirect) taken while Redis, and so the workers, cannot be reached,
    tell the person that the action is recorded and will be followed later: the action's row is in the database and
    a beat sweep or lease picks it up once a worker can be reached. Must come after the message middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # An action whose request never touched Redis (a review recorded from the Govern mirror, in the database)
        # asks it once, so the person is told whenever the workers cannot be reached.
        if (request.method == "POST" and response.status_code in (302, 303) and not request.path.startswith("/api/")
                and (redis_unavailable() or not redis_answers())):
            messages.warning(request, WORKERS_UNREACHABLE)
        return response
