"""Settings of the portal's REST API: who may call it (session with CSRF, personal tokens), how often, how errors and
pages look, and the schema (imported by portal.settings)."""

from __future__ import annotations

from portal.env import envint

REST_FRAMEWORK = {
    # Token first: a request without a session and without a valid token answers 401 with `WWW-Authenticate: Bearer`.
    # The session needs the CSRF token on unsafe methods. HTTP Basic (passwords) is not accepted.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.tokens.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "portal.api.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # JSON only (the browsable API's inline scripts would break under the Content-Security-Policy; /api/docs/ is the
    # readable view). An Accept header naming something else still gets JSON rather than 406.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "portal.api.LenientContentNegotiation",
    "DEFAULT_THROTTLE_CLASSES": ["portal.api.UserThrottle"],
    "DEFAULT_SCHEMA_CLASS": "portal.api_schema.PortalAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "portal.api.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "portal.api_errors.exception_handler",
}
# Requests per minute by one signed-in person, by session or any of their tokens together; past it the API answers
# 429 with Retry-After.
API_USER_REQUESTS_PER_MINUTE = envint("PORTAL_API_USER_PER_MINUTE", 600)
# A token's "last used" time is written at most this often.
API_TOKEN_TOUCH_SECONDS = envint("PORTAL_API_TOKEN_TOUCH_SECONDS", 60)
# The deepest JSON body the API reads (lists and objects inside each other); deeper bodies answer 400.
API_MAX_JSON_DEPTH = envint("PORTAL_API_MAX_JSON_DEPTH", 32)
API_MAX_PAGE_SIZE = 500

SPECTACULAR_SETTINGS = {
    "TITLE": "Governance & Deployment Portal API",
    "DESCRIPTION": (
        "The portal's own REST API in front of Dataiku Govern, the Project Deployer and API nodes. Every endpoint has "
        "the roles and rules of the page it mirrors. Authenticate with a personal API token "
        "(`Authorization: Bearer pt_…`, created on your profile page) or a signed-in session (unsafe methods need "
        "the `X-CSRFToken` header). Errors are JSON with a `detail`; upstream failures (502, 503, 504) also name the "
        "`upstream`; validation errors (400) carry one list of messages per field."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
    # Path parameters as the URL converters accept them (portal/converters.py), so clients and fuzzers send ids
    # that reach the view.
    "PATH_CONVERTER_OVERRIDES": {
        "uid": {"type": "string", "pattern": r"^(?!\.+$)[^/\x00-\x1f\x7f]+$"},
        "rowid": {"type": "integer", "minimum": 0, "maximum": 999_999_999_999_999_999},
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums"],
}
