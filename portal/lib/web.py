"""Helpers every view uses: htmx detection, page-or-partial rendering, the stop-polling status, and the one wording of
an upstream failure (shown by `templates/includes/upstream_banner.html`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.lib.upstream import UpstreamError

# htmx stops polling an element whose request answers 286 (htmx docs, "Load polling"): a finished update's
# progress panel answers it so screens stop asking.
STOP_POLLING = 286


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def page_or_partial(request: HttpRequest, page: str, partial: str, context: dict, status: int = 200) -> HttpResponse:
    """The full `page` on a normal request; only `partial` (which the page includes) on an htmx request."""
    return render(request, partial if is_htmx(request) else page, context, status=status)


def upstream_error_text(exc: UpstreamError, default_upstream: str = "") -> str:
    """One line naming the upstream and what went wrong ("Govern cannot be reached"), never the key."""
    return f"{exc.upstream or default_upstream or 'The upstream'} {exc.message}"
