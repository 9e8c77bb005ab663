"""DRF authentication by personal API token (`Authorization: Bearer pt_…`), and its description in the schema."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from portal.tokens import service

KEYWORD = "bearer"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """A request carrying `Authorization: Bearer <token>` is its owner's, with no session and no CSRF check (nothing
    a browser sends by itself). A wrong, revoked or malformed token answers 401; no header leaves the request to the
    other authentications (the session)."""

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send the token as `Authorization: Bearer <token>`.")
        try:
            value = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Unknown or revoked API token.") from None
        token = service.authenticate(value)
        if token is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked API token.")
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "A personal API token, created on your profile page (`/profile/`) and shown once."}
