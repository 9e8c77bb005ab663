"""Shared pieces of the portal's REST API: the error handler (every error is JSON with a `detail`; upstream failures
name the upstream; nothing answers 500 for bad input), a JSON parser with bounds, bounded pages and the throttles."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
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


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


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


# --- input -----------------------------------------------------------------------------------------------------------


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def json_depth_exceeds(value, limit: int) -> bool:
    """Whether `value` nests lists and objects deeper than `limit` (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class BoundedJSONParser(JSONParser):
    """JSON bodies up to DATA_UPLOAD_MAX_MEMORY_SIZE bytes and API_MAX_JSON_DEPTH levels; anything else (too deep,
    too large, not UTF-8, NaN) is a 400 or 413 with a message, never a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        if not raw:
            raise exceptions.ParseError("The request body is empty: send a JSON object.")
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except RecursionError:
            raise exceptions.ParseError("The JSON body nests too deeply.") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise exceptions.ParseError(f"The body is not valid JSON: {exc}") from None
        if json_depth_exceeds(data, int(settings.API_MAX_JSON_DEPTH)):
            raise exceptions.ParseError(f"The JSON body nests deeper than {settings.API_MAX_JSON_DEPTH} levels.")
        return data


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=` is capped at API_MAX_PAGE_SIZE; a huge or malformed limit or offset never reaches the database."""

    max_limit = settings.API_MAX_PAGE_SIZE
    max_offset = 10**12

    def get_offset(self, request):
        return min(super().get_offset(request), self.max_offset)


class LenientContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, except that an Accept header naming nothing the view renders gets its first renderer (JSON)
    instead of a 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except exceptions.NotAcceptable:
            return renderers[0], renderers[0].media_type


# --- throttles -------------------------------------------------------------------------------------------------------


class _PerMinute(SimpleRateThrottle):
    setting = ""

    def get_rate(self):
        return f"{int(getattr(settings, self.setting))}/min"


class UserThrottle(_PerMinute):
    """API_USER_REQUESTS_PER_MINUTE per signed-in person, whether by session or by any of their tokens."""

    scope = "user"
    setting = "API_USER_REQUESTS_PER_MINUTE"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
