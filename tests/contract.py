"""Contract checks: validate real ``requests`` exchanges against the OpenAPI specs in ``sandbox/contracts``.

Usage::

    validator = validator_for_url("http://127.0.0.1:8101/public/api", spec="govern")
    validator.validate(requests.get(...))   # raises AssertionError describing any drift
"""

from __future__ import annotations

import copy
import functools
import re
from pathlib import Path
from urllib.parse import urlparse

import requests
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.exceptions import OpenAPIError

CONTRACTS_DIR = Path(__file__).resolve().parent.parent / "sandbox" / "contracts"
SPEC_FILES = {
    "govern": "govern.openapi.yaml",
    "dss": "dss-deployer.openapi.yaml",
    "apinode": "apinode-admin.openapi.yaml",
}
_METHODS = ("get", "put", "post", "delete", "patch")
# Base URL -> spec name, filled by register_base_url (SandboxProcess does it for every upstream it starts).
_REGISTRY: dict[str, str] = {}


@functools.cache
def load_spec(name: str) -> dict:
    """The parsed spec file (read once per test session)."""
    with open(CONTRACTS_DIR / SPEC_FILES[name], encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def spec_operations(name: str) -> list[tuple[str, str]]:
    """``(METHOD, /path/template)`` of every operation of a spec."""
    return [
        (method.upper(), path)
        for path, item in load_spec(name)["paths"].items()
        for method in _METHODS
        if method in item
    ]


def _describe(exc: BaseException) -> str:
    """Flatten openapi-core's nested errors (cause chain and schema errors) into readable lines."""
    lines, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        lines.append(f"{type(exc).__name__}: {exc}")
        for error in getattr(exc, "schema_errors", None) or ():
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            lines.append(f"  at {where}: {error.message}")
        exc = exc.__cause__ or exc.__context__
    return "\n".join(lines)


class ContractValidator:
    """Validates requests and responses of one upstream against its spec, served at ``base_url``."""

    def __init__(self, spec: str, base_url: str):
        self.spec_name = spec
        self.base_url = base_url.rstrip("/")
        self.openapi = _openapi(spec, self.base_url)

    def validate_request(self, response: requests.Response) -> None:
        """Check the request that produced ``response``."""
        request = RequestsOpenAPIRequest(response.request)
        try:
            self.openapi.validate_request(request)
        except OpenAPIError as exc:
            raise AssertionError(self._message("request", response, exc)) from None

    def validate_response(self, response: requests.Response) -> None:
        """Check ``response`` (status code declared, body schema, headers)."""
        request = RequestsOpenAPIRequest(response.request)
        try:
            self.openapi.validate_response(request, RequestsOpenAPIResponse(response))
        except OpenAPIError as exc:
            raise AssertionError(self._message("response", response, exc)) from None

    def validate(self, response: requests.Response) -> requests.Response:
        """Check both the request and the response; returns the response for chaining."""
        self.validate_request(response)
        self.validate_response(response)
        return response

    def declared_statuses(self, response: requests.Response) -> set[str]:
        """Status codes the spec declares for the operation that ``response`` answers (empty if none matches)."""
        path = urlparse(response.request.url).path
        relative = path[len(urlparse(self.base_url).path):] or "/"
        method = response.request.method.lower()
        paths = load_spec(self.spec_name)["paths"]
        # Concrete templates first, as OpenAPI path matching does.
        for template in sorted(paths, key=lambda t: t.count("{")):
            pattern = "^" + re.sub(r"\\{\w+\\}", "[^/]+", re.escape(template)) + "$"
            if re.match(pattern, relative) and method in paths[template]:
                return set(paths[template][method].get("responses", {}))
        return set()

    def validate_error(self, response: requests.Response, request_valid: bool | None = True) -> requests.Response:
        """Check an error exchange.

        ``request_valid``: True, the request must satisfy the spec; False, the spec must reject it too (so the
        400 agrees with the contract); None, not checked (valid by schema, refused by business rules).
        The specs declare few error statuses (DSS none) while the upstreams answer JSON errors anyway: a declared
        status is validated as usual, an undeclared one must carry the ``{errorType, message}`` JSON body.
        """
        if request_valid:
            self.validate_request(response)
        elif request_valid is False:
            try:
                self.validate_request(response)
            except AssertionError:
                pass
            else:
                raise AssertionError(f"the spec accepts the request the sandbox refused: {response.request.url}")
        if str(response.status_code) in self.declared_statuses(response):
            self.validate_response(response)
            return response
        try:
            body = response.json()
        except ValueError:
            body = None
        if not (isinstance(body, dict) and {"errorType", "message"} <= set(body)):
            raise AssertionError(f"undeclared status {response.status_code} without a JSON error body: "
                                 f"{response.text[:300]}")
        return response

    def _message(self, part: str, response: requests.Response, exc: BaseException) -> str:
        body = response.text[:500]
        return (
            f"Contract drift ({self.spec_name} spec, {part}) for {response.request.method} {response.request.url}"
            f" -> {response.status_code}:\n{_describe(exc)}\nresponse body: {body}"
        )


def _binary_as_text(value: bytes, **parameters: str) -> str:
    # openapi-core 0.23 hands multipart file parts ("format: binary" strings) to the 3.1 schema validator as bytes,
    # which fail "type: string". Latin-1 maps every byte to one character, so the part is checked as a string.
    return value.decode("latin-1") if isinstance(value, bytes) else value


@functools.cache
def _openapi(spec: str, base_url: str) -> OpenAPI:
    data = copy.deepcopy(load_spec(spec))
    data["servers"] = [{"url": base_url}]
    config = Config(extra_media_type_deserializers={"application/octet-stream": _binary_as_text})
    return OpenAPI.from_dict(data, config=config)


def register_base_url(base_url: str, spec: str) -> None:
    """Tell :func:`validator_for_url` which spec a base URL speaks."""
    _REGISTRY[base_url.rstrip("/")] = spec


def validator_for_url(url: str, spec: str | None = None) -> ContractValidator:
    """The validator for the upstream at base URL ``url``.

    The spec is ``spec`` if given, else the registered one, else guessed from the URL: ``/admin/api`` is an API
    node; ``/public/api`` is Govern or DSS, told apart by a host or path naming one of them.
    """
    base = url.rstrip("/")
    name = spec or _REGISTRY.get(base)
    if name is None:
        parsed = urlparse(base)
        text = f"{parsed.netloc}{parsed.path}".lower()
        if parsed.path.endswith("/admin/api"):
            name = "apinode"
        elif "govern" in text:
            name = "govern"
        elif "dss" in text or "deployer" in text:
            name = "dss"
        else:
            raise ValueError(f"cannot tell which spec {url} speaks; pass spec= or register_base_url() it")
    return ContractValidator(name, base)
