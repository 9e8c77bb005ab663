"""Shared HTTP plumbing: spec-driven routing, auth, body validation, fault knobs, stats, JSON errors."""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.wrappers import Request, Response

from sandbox import spec
from sandbox.state import Store

log = logging.getLogger("sandbox")

DSS_HEADERS = {"DSS-API-Version": "13", "DSS-Version": "13.4.0"}
GARBAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
    "<h1>Bad Gateway</h1><p>The proxy received an invalid response from an upstream server.</p>"
    "<!-- sandbox garbage knob --></body></html>"
)


class ApiError(Exception):
    """Raised by handlers; rendered as ``{"errorType": ..., "message": ...}`` with ``status``."""

    ERROR_TYPES = {
        400: "IllegalArgumentException",
        401: "UnauthorizedException",
        404: "NotFoundException",
        405: "MethodNotAllowedException",
        503: "ServiceUnavailableException",
    }

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message

    def to_response(self) -> Response:
        """The JSON error response."""
        body = {"errorType": self.ERROR_TYPES.get(self.status, "ServerException"), "message": self.message}
        return json_response(body, self.status)


def bad_request(message: str) -> ApiError:
    """A 400 error."""
    return ApiError(400, message)


def not_found(kind: str, ident: str) -> ApiError:
    """A 404 error naming the missing object."""
    return ApiError(404, f"{kind} not found: {ident}")


def json_response(payload: Any, status: int = 200) -> Response:
    """Serialise ``payload`` as a JSON response."""
    return Response(json.dumps(payload), status=status, mimetype="application/json")


def no_content() -> Response:
    """A bodiless 204 (without a Content-Type, since there is no content)."""
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


@dataclass
class Call:
    """What a handler gets: the store (lock held), path params, query, parsed body and who is calling."""

    store: Store
    upstream: str
    params: dict
    request: Request
    body: Any
    caller: str | None

    def query_bool(self, name: str, default: bool = False) -> bool:
        """A boolean query parameter (``true``/``false``); anything else is a 400."""
        raw = self.request.args.get(name)
        if raw is None:
            return default
        if raw.lower() not in ("true", "false"):
            raise bad_request(f"query parameter {name} must be true or false, got {raw!r}")
        return raw.lower() == "true"


Handler = Callable[[Call], Any]
Authenticator = Callable[[Store, str], "str | None"]


def bearer_or_basic_key(request: Request) -> str | None:
    """The API key from ``Authorization: Basic`` (username) or ``Authorization: Bearer``."""
    auth = request.authorization
    if auth is None:
        return None
    if auth.type == "basic":
        return auth.username or None
    if auth.type == "bearer":
        return auth.token or None
    return None


class UpstreamApp:
    """A WSGI app for one upstream, with routes taken from its contract.

    ``handlers`` maps operationId to a function of :class:`Call` returning a JSON-able payload (answered 200)
    or a :class:`Response`. Every spec operation must have a handler.
    """

    def __init__(
        self,
        name: str,
        store: Store,
        spec_name: str,
        base_path: str,
        handlers: dict[str, Handler],
        authenticate: Authenticator,
        extra_headers: dict | None = None,
        before: Callable[[Store], None] | None = None,
        optional_bodies: frozenset[str] = frozenset(),
    ):
        self.name = name
        self.store = store
        self.base_path = base_path
        self.authenticate = authenticate
        self.extra_headers = extra_headers or {}
        self.before = before
        self.optional_bodies = optional_bodies
        self.operations = {op.operation_id: op for op in spec.operations(spec_name)}
        missing = set(self.operations) - set(handlers)
        if missing:
            raise RuntimeError(f"{name}: no handler for {sorted(missing)}")
        self.handlers = handlers
        self.url_map = Map(
            [
                Rule(base_path + op.werkzeug_rule, endpoint=op.operation_id, methods=[op.method])
                for op in self.operations.values()
            ],
            strict_slashes=False,
            merge_slashes=False,
        )
        self.chaos = random.Random()  # error_rate draws; deliberately not seeded

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except ApiError as error:
            response = error.to_response()
        response.headers.update(self.extra_headers)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Route, apply knobs, authenticate, validate the body, then run the handler under the lock."""
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            operation_id, params = adapter.match(path_info=_routing_path(request.environ))
            params = {name: value.replace(_SLASH, "/") for name, value in params.items()}
        except (NotFound, RequestRedirect) as exc:
            raise ApiError(404, f"No such endpoint: {request.method} {request.path}") from exc
        except MethodNotAllowed as exc:
            raise ApiError(405, f"Method {request.method} not allowed on {request.path}") from exc
        op = self.operations[operation_id]
        self.store.count(self.name, op.stats_key)

        knobs = self.store.knobs[self.name]
        if knobs.latency_ms > 0:
            time.sleep(knobs.latency_ms / 1000)
        if knobs.error_rate > 0 and self.chaos.random() < knobs.error_rate:
            raise ApiError(knobs.error_status, f"{self.name} failed (sandbox error_rate knob)")
        if knobs.garbage:
            return Response(GARBAGE, status=200, mimetype="text/html")

        caller = None
        if op.secured:
            key = bearer_or_basic_key(request)
            caller = self.authenticate(self.store, key) if key else None
            if caller is None:
                raise ApiError(401, "Missing or invalid API key")
        body = self._parse_body(op, request)
        with self.store.lock:
            if self.before is not None:
                self.before(self.store)
            result = self.handlers[operation_id](Call(self.store, self.name, params, request, body, caller))
            # Serialise while the lock is held: handlers may return live state objects.
            return result if isinstance(result, Response) else json_response(result)

    def _parse_body(self, op: spec.Operation, request: Request) -> Any:
        if op.body_media is None:
            return None
        if op.body_media == "multipart/form-data":
            return request.files
        raw = request.get_data(cache=True)
        if not raw.strip():
            if op.body_required and op.operation_id not in self.optional_bodies:
                raise bad_request("Missing JSON request body")
            return None
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise bad_request(f"Malformed JSON body: {exc}") from exc
        problem = op.body_error(body)
        if problem:
            raise bad_request(f"Invalid request body: {problem}")
        return body


# Stands for an encoded slash (%2F) inside one path segment while routing: a real server keeps "a%2Fb" one id, so
# the sandbox must not let it reach another route (werkzeug's PATH_INFO has %2F already decoded).
_SLASH = "\uffff"


def _routing_path(environ: dict) -> str | None:
    """The request path with each segment decoded on its own, so "%2F" stays inside its segment."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not raw:
        return None
    path = raw.split("?", 1)[0]
    return "/".join(unquote(segment).replace("/", _SLASH) for segment in path.split("/"))
