"""The API's schema: the error bodies every operation documents, paginated envelopes, and the schema class that adds
the error responses an operation can give (400, 401, 403, 404, 409, 413, 415, 429, 502, 503, 504) to each one."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Any error but a validation error. An upstream failure also names the `upstream` (govern, dss or an API node
    id), its `kind` (not_found, refused, unavailable, timeout, auth, bad_response, error) and its HTTP status."""

    detail = serializers.CharField()
    upstream = serializers.CharField(required=False, help_text="The upstream that failed (upstream errors only).")
    kind = serializers.CharField(required=False, help_text="What went wrong upstream.")
    upstream_status = serializers.IntegerField(required=False, allow_null=True,
                                               help_text="The upstream's HTTP status, when it answered.")
    loading = serializers.BooleanField(required=False, help_text="A cache is being filled: ask again shortly.")


class ValidationErrorSerializer(serializers.Serializer):
    """A 400: a list of messages per field path (`comment`, `bundles.0`, `non_field_errors`), or a `detail` when the
    body could not be read at all (not JSON, too deep)."""


class ValidationErrorScheme(OpenApiSerializerExtension):
    target_class = "portal.api_schema.ValidationErrorSerializer"

    def map_serializer(self, auto_schema, direction):
        return {
            "type": "object",
            "description": "Messages per field; `detail` when the body could not be read.",
            "properties": {"detail": {"type": "string"}},
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        }


_PAGES: dict[type, type] = {}


def page_of(serializer_class: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The `?limit=&offset=` envelope around a list of `serializer_class` (count, next, previous, results)."""
    if serializer_class not in _PAGES:
        name = serializer_class.__name__.removesuffix("Serializer")
        _PAGES[serializer_class] = type(f"Paginated{name}ListSerializer", (serializers.Serializer,), {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
            "__module__": __name__,
        })
    return _PAGES[serializer_class]


ERRORS = {
    "400": (ValidationErrorSerializer, "Invalid input: messages per field."),
    "401": (ErrorSerializer, "No valid session or API token."),
    "403": (ErrorSerializer, "Your roles do not allow this, or the session's CSRF token is missing."),
    "404": (ErrorSerializer, "No such object (here or upstream)."),
    "409": (ErrorSerializer, "Refused by the portal's rules or by the upstream; nothing was changed."),
    "413": (ErrorSerializer, "The body is too large."),
    "415": (ErrorSerializer, "The body is not JSON (or a form)."),
    "429": (ErrorSerializer, "Too many requests: wait for Retry-After seconds."),
    "502": (ErrorSerializer, "The upstream answered something unusable, or refused the portal's key."),
    "503": (ErrorSerializer, "The upstream cannot be reached, or a cache is loading (see Retry-After)."),
    "504": (ErrorSerializer, "The upstream did not answer in time."),
}
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
WITH_BODY = ("POST", "PUT", "PATCH")


class PortalAutoSchema(AutoSchema):
    """drf-spectacular's schema, with every error an operation can answer documented. A view whose class sets
    `reads_upstream = False` reads only the database and caches: it documents no 502/504."""

    def _error_codes(self) -> list[str]:
        codes = ["400", "401", "403", "429"]
        if "{" in self.path:
            codes.append("404")
        if self.method in UNSAFE:
            codes.append("409")
        if self.method in WITH_BODY:
            codes += ["413", "415"]
        codes.append("503")
        if getattr(self.view, "reads_upstream", True):
            codes += ["404", "502", "504"]
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code in responses:
                continue
            serializer, description = ERRORS[code]
            responses[code] = self._get_response_for_code(serializer, code, direction=direction)
            responses[code]["description"] = description
        return dict(sorted(responses.items()))
