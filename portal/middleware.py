"""Turns an upstream failure that a view did not handle into a clear page instead of a 500."""

from __future__ import annotations

import logging

from django.shortcuts import render

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
