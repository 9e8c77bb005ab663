"""Shared pieces of the portal's REST API."""

from __future__ import annotations

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.lib.upstream import UpstreamError

_STATUS = {
    "not_found": status.HTTP_404_NOT_FOUND,
    "refused": status.HTTP_409_CONFLICT,
    "timeout": status.HTTP_504_GATEWAY_TIMEOUT,
}


def exception_handler(exc, context):
    """DRF's handler, plus upstream errors as JSON: `{"detail", "upstream", "kind"}` with a fitting status."""
    if isinstance(exc, UpstreamError):
        return Response(
            {"detail": exc.message, "upstream": exc.upstream, "kind": exc.kind, "upstream_status": exc.status},
            status=_STATUS.get(exc.kind, status.HTTP_502_BAD_GATEWAY),
        )
    return drf_exception_handler(exc, context)
