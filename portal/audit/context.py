"""The current request's id and client address, for `record` to stamp on the events a request causes.

`RequestContextMiddleware` sets them for the life of one request (context variables: each thread or task has its
own), and answers the request id in `X-Request-ID` so a person reporting a problem can quote it.
"""

from __future__ import annotations

import contextvars
import ipaddress
import re
import uuid

from django.conf import settings

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("audit_request_id", default="")
_client_ip: contextvars.ContextVar[str] = contextvars.ContextVar("audit_client_ip", default="")

# An incoming id is kept only if it looks like one (a UUID, a trace id): no spaces, quotes or markup, bounded length.
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,63}$")
HEADER = "X-Request-ID"


def current_request_id() -> str:
    return _request_id.get()


def current_client_ip() -> str:
    return _client_ip.get()


def upstream_headers() -> dict[str, str]:
    """Headers for an upstream call made on behalf of the current request: its X-Request-ID, when there is one."""
    request_id = _request_id.get()
    return {HEADER: request_id} if request_id else {}


def request_id_from(request) -> str:
    """The caller's X-Request-ID when well-formed (a proxy or load balancer set it), else a new one."""
    incoming = request.headers.get(HEADER, "")
    if incoming and REQUEST_ID_RE.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def normalise_ip(value: str) -> str:
    """`value` as a canonical IP address, or "" when it is not one."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return ""
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def client_ip_from(request) -> str:
    """The client's address: REMOTE_ADDR, or, behind PORTAL_TRUSTED_PROXIES reverse proxies, the address the
    outermost trusted proxy saw (counted from the right of X-Forwarded-For, which a client can prefix at will)."""
    hops = int(getattr(settings, "PORTAL_TRUSTED_PROXIES", 0) or 0)
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            ip = normalise_ip(forwarded[-hops])
            if ip:
                return ip
    return normalise_ip(request.META.get("REMOTE_ADDR", ""))


class RequestContextMiddleware:
    """Gives each request an id (`request.request_id`) and makes it and the client address known to `record`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request)
        request.request_id = request_id
        id_token = _request_id.set(request_id)
        ip_token = _client_ip.set(client_ip_from(request))
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(id_token)
            _client_ip.reset(ip_token)
        response.headers[HEADER] = request_id
        return response
