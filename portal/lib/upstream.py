"""The base of every upstream client: one pooled session, timeouts, retries and one map from failures to typed errors.

Each upstream API (Govern, the DSS Project Deployer, an API node) has one client class built on `UpstreamClient`;
views and tasks catch the errors below and never see `requests`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from portal.lib import liveness, metrics

log = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE_STATUSES = frozenset({502, 503, 504})
EXCERPT_CHARS = 300


class UpstreamError(Exception):
    """Root of the upstream failures. Carries where it happened, never the API key."""

    retryable = False
    kind = "error"

    def __init__(
        self,
        message: str,
        *,
        upstream: str = "",
        method: str = "",
        path: str = "",
        status: int | None = None,
        body_excerpt: str = "",
    ):
        super().__init__(message)
        self.message = message
        self.upstream = upstream
        self.method = method
        self.path = path
        self.status = status
        self.body_excerpt = body_excerpt

    def __str__(self) -> str:
        where = f"{self.method} {self.path}".strip()
        status = f" -> {self.status}" if self.status else ""
        return f"{self.upstream}: {self.message} ({where}{status})"


class UpstreamUnavailable(UpstreamError):
    """Connection refused or reset, or a 502/503/504: may pass, so callers may retry."""

    retryable = True
    kind = "unavailable"


class UpstreamTimeout(UpstreamUnavailable):
    """No answer within the connect or read timeout."""

    kind = "timeout"


class UpstreamAuthError(UpstreamError):
    """401/403: the configured key is wrong or lacks a privilege. Permanent until someone fixes the settings."""

    kind = "auth"


class UpstreamNotFound(UpstreamError):
    """404: the id does not exist upstream."""

    kind = "not_found"


class UpstreamRefused(UpstreamError):
    """Another 4xx: the upstream understood and said no. `message` is the upstream's own words."""

    kind = "refused"


class UpstreamBadResponse(UpstreamError):
    """The upstream answered something we cannot use: a 500, or a body that is not the JSON the contract promises."""

    kind = "bad_response"


# Called with every `requests.Response` a client receives. The test suite registers a contract validator here.
response_hooks: list[Callable[[requests.Response], None]] = []
# Each returns headers added to every request sent (portal.apps adds the current request's X-Request-ID).
header_providers: list[Callable[[], dict[str, str]]] = []


def encode_segment(value: Any) -> str:
    """One URL path segment, percent-encoded so that an id can never reach another path.

    `quote(safe="")` encodes "/", "?" and "#"; a segment that is only dots is encoded too, because "." and ".." are
    path navigation even when every other character is escaped.
    """
    text = str(value)
    if text == "":
        raise ValueError("An upstream id cannot be empty")
    if set(text) == {"."}:
        return "%2E" * len(text)
    return quote(text, safe="")


def build_path(template: str, **params: Any) -> str:
    """Fill `{name}` placeholders of a spec path template with encoded segments."""
    return template.format(**{name: encode_segment(value) for name, value in params.items()})


class UpstreamClient:
    """A client for one upstream base URL. Thread-safe: one session, a pool sized for the worker's concurrency."""

    def __init__(
        self,
        *,
        name: str,
        base_url: str,
        api_key: str,
        auth: str = "basic",
        timeout: tuple[float, float] = (2.0, 5.0),
        retries: int = 2,
        backoff: float = 0.2,
        pool_size: int = 20,
        default_headers: dict[str, str] | None = None,
    ):
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._api_key = api_key
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({"Accept": "application/json", "User-Agent": "dataiku-portal/1.0"})
        self.session.headers.update(default_headers or {})
        if auth == "bearer":
            self.session.headers["Authorization"] = f"Bearer {api_key}"
        elif auth == "basic":
            # Dataiku's documented form: the API key as username, an empty password.
            self.session.auth = (api_key, "")
        else:
            raise ValueError(f"{name}: unknown auth scheme {auth!r} (expected 'basic' or 'bearer')")

    def __repr__(self) -> str:  # never show the key
        return f"<{type(self).__name__} {self.name} {self.base_url}>"

    # -- the one place where HTTP happens -------------------------------------------------------------------------

    def request(
        self,
        method: str,
        template: str,
        *,
        path_params: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        json: Any = None,
        files: Any = None,
        timeout: tuple[float, float] | None = None,
    ) -> Any:
        """Send one request and return the decoded JSON body (None for an empty body).

        Raises an `UpstreamError` subclass. Idempotent methods are retried with jittered backoff on connection
        errors and 502/503/504; nothing else is retried, so a POST is never sent twice by this layer.
        Counts the call, its outcome and its time in the metrics, and notes the contact when the upstream answered.
        """
        method = method.upper()
        started = time.monotonic()
        outcome = "ok"
        try:
            return self._send(method, template, path_params, params, json, files, timeout)
        except UpstreamError as exc:
            outcome = exc.kind
            # The upstream failed, not the person: logged once here, whatever the page then shows. An unknown id or
            # a refused request is the person's, and only noted.
            level = logging.INFO if isinstance(exc, UpstreamNotFound | UpstreamRefused) else logging.WARNING
            log.log(level, "%s %s %s failed: %s", self.name, method, template, exc)
            raise
        finally:
            metrics.observe_upstream_call(self.name, f"{method} {template}", outcome, time.monotonic() - started)

    def _send(self, method, template, path_params, params, json, files, timeout) -> Any:
        """`request` without the metrics."""
        path = build_path(template, **(path_params or {}))
        url = self.base_url + path
        attempts = 1 + (self.retries if method in IDEMPOTENT_METHODS else 0)
        for attempt in range(1, attempts + 1):
            started = time.monotonic()
            try:
                prepared = self.session.prepare_request(
                    requests.Request(method, url, params=_query(params), json=json, files=files)
                )
                # requests re-quotes the URL and turns "%2E" back into ".", which a server would resolve as a
                # dot segment: put the path back exactly as encoded.
                prepared.url = url + prepared.url[len(prepared.url.split("?", 1)[0]):]
                for provider in header_providers:
                    prepared.headers.update(provider())
                response = self.session.send(prepared, timeout=timeout or self.timeout, allow_redirects=False)
            except requests.Timeout as exc:
                # A read timeout is not retried: the request may have been applied, and a page must not wait twice.
                is_connect = isinstance(exc, requests.ConnectTimeout)
                if is_connect and attempt < attempts:
                    self._sleep(attempt)
                    continue
                raise self._error(UpstreamTimeout, "did not answer in time", method, template) from exc
            except requests.ConnectionError as exc:
                if attempt < attempts:
                    self._sleep(attempt)
                    continue
                raise self._error(UpstreamUnavailable, "cannot be reached", method, template) from exc
            except requests.RequestException as exc:
                raise self._error(UpstreamBadResponse, "request failed", method, template) from exc

            elapsed_ms = (time.monotonic() - started) * 1000
            log.info("%s %s %s -> %s in %.0f ms", self.name, method, template, response.status_code, elapsed_ms)
            if response.status_code < 500:
                liveness.upstream_contacted(self.name)
            for hook in response_hooks:
                hook(response)
            if response.status_code in RETRYABLE_STATUSES and attempt < attempts:
                self._sleep(attempt)
                continue
            return self._decode(response, method, template)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- helpers ---------------------------------------------------------------------------------------------------

    def _sleep(self, attempt: int) -> None:
        time.sleep(self.backoff * (2 ** (attempt - 1)) * (0.5 + random.random()))  # noqa: S311 - jitter, not crypto

    def _excerpt(self, text: str) -> str:
        text = text[:EXCERPT_CHARS]
        return text.replace(self._api_key, "***") if self._api_key else text

    def _error(self, cls: type[UpstreamError], message: str, method: str, path: str, **kw: Any) -> UpstreamError:
        return cls(message, upstream=self.name, method=method, path=path, **kw)

    def _decode(self, response: requests.Response, method: str, template: str) -> Any:
        status = response.status_code
        excerpt = self._excerpt(response.text or "")
        kw = {"status": status, "body_excerpt": excerpt}
        if 200 <= status < 300:
            if status == 204 or not response.content:
                return None
            try:
                return response.json()
            except ValueError as exc:
                raise self._error(UpstreamBadResponse, "answered a body that is not JSON", method, template,
                                  **kw) from exc
        message = _upstream_message(response) or response.reason or "error"
        if status in (401, 403):
            cls = UpstreamAuthError
            message = "rejected the portal's API key" if status == 401 else f"refused access: {message}"
        elif status == 404:
            cls = UpstreamNotFound
        elif status in RETRYABLE_STATUSES:
            cls = UpstreamUnavailable
            message = f"is unavailable ({status})"
        elif 400 <= status < 500:
            cls = UpstreamRefused
        elif 300 <= status < 400:
            cls = UpstreamBadResponse
            message = f"answered an unexpected redirect ({status})"
        else:
            cls = UpstreamBadResponse
            message = f"failed ({status}): {message}"
        raise self._error(cls, self._excerpt(message), method, template, **kw)


def _query(params: dict[str, Any] | None) -> dict[str, str] | None:
    """Booleans as the lowercase words Dataiku expects; drop None values."""
    if not params:
        return None
    out = {}
    for key, value in params.items():
        if value is None:
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


def _upstream_message(response: requests.Response) -> str:
    """The human message of a JSON error body ({"message": …} in Dataiku's APIs), else ''."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        for key in ("message", "detailedMessage", "error", "detail"):
            if isinstance(body.get(key), str) and body[key].strip():
                return body[key].strip()
    return ""


# -- per-process client instances ----------------------------------------------------------------------------------

_lock = threading.Lock()
_instances: dict[str, UpstreamClient] = {}


def cached_client(key: str, factory: Callable[[], UpstreamClient]) -> UpstreamClient:
    """One client (one connection pool) per process and key, built on first use."""
    with _lock:
        client = _instances.get(key)
        if client is None:
            client = _instances[key] = factory()
        return client


def reset_clients() -> None:
    """Forget every client; the next call rebuilds them from settings (tests change settings)."""
    with _lock:
        for client in _instances.values():
            client.session.close()
        _instances.clear()


def client_options(conf: dict) -> dict[str, Any]:
    """Constructor arguments for an `UpstreamClient` from one upstream's settings dict (GOVERN, DSS, API_NODES[i])."""
    return {
        "name": conf["name"],
        "base_url": conf["url"],
        "api_key": conf["api_key"],
        "auth": conf["auth"],
        "timeout": (settings.UPSTREAM_CONNECT_TIMEOUT, settings.UPSTREAM_READ_TIMEOUT),
        "retries": settings.UPSTREAM_RETRIES,
        "pool_size": settings.UPSTREAM_POOL_SIZE,
    }
