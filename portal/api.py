"""Shared pieces of the portal's REST API that its settings name: a JSON parser with bounds, bounded pages, lenient
content negotiation and the throttle. (Nothing here imports `rest_framework.views`, whose classes read these
settings on import; the error handler is in `portal.api_errors`.)"""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import JSONParser
from rest_framework.throttling import SimpleRateThrottle


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


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
