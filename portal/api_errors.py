"""The REST API's error handler: every error is JSON with a `detail`; an upstream failure names the upstream and
answers 502, 503 or 504; the portal's refusals are 409; a validation error lists messages per field."""

from __future__ import annotations

import logging

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.lib.errors import Refused
from portal.lib.upstream import UpstreamError

log = logging.getLogger(__name__)

# An upstream failure as the API answers it: the upstream said "no such id" (404), said no (409), or failed: the
# portal is a gateway, so 502 (it answered wrongly or refused the portal's key), 503 (unreachable) or 504 (too slow).
UPSTREAM_STATUS = {
    "not_found": status.HTTP_404_NOT_FOUND,
    "refused": status.HTTP_409_CONFLICT,
    "unavailable": status.HTTP_503_SERVICE_UNAVAILABLE,
    "timeout": status.HTTP_504_GATEWAY_TIMEOUT,
}


def _flatten(errors, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation errors as one list of messages per field path ("bundles.0": [...])."""
    if isinstance(errors, dict):
        flat: dict[str, list[str]] = {}
        for key, value in errors.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(errors, list) and errors and all(isinstance(e, dict | list) for e in errors):
        flat = {}
        for index, value in enumerate(errors):
            flat.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    messages = errors if isinstance(errors, list) else [errors]
    return {prefix or "non_field_errors": [str(m) for m in messages]}


def upstream_body(exc: UpstreamError) -> dict:
    return {"detail": exc.message, "upstream": exc.upstream, "kind": exc.kind, "upstream_status": exc.status}


def exception_handler(exc, context):
    """DRF's handler, plus: upstream errors as JSON naming the upstream (`UPSTREAM_STATUS`, else 502), the portal's
    refusals as 409, and validation errors as one list of messages per field."""
    if isinstance(exc, UpstreamError):
        code = UPSTREAM_STATUS.get(exc.kind, status.HTTP_502_BAD_GATEWAY)
        if code >= 500:
            log.warning("upstream failure on the API: %s", exc)
        headers = {"Retry-After": "5"} if code == status.HTTP_503_SERVICE_UNAVAILABLE else None
        return Response(upstream_body(exc), status=code, headers=headers)
    if isinstance(exc, Refused):
        return Response({"detail": exc.reason}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, exceptions.ValidationError):
        return Response(_flatten(exc.detail), status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    return response
