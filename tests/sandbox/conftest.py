"""Fixtures for the sandbox tests: one sandbox process per session, re-seeded before every test.

These tests talk to the sandbox over HTTP only and need no Django.
"""

from __future__ import annotations

import pytest
import requests

from tests.contract import validator_for_url
from tests.sandbox_process import SandboxProcess

FUTURE_SECONDS = 0.6


class Api:
    """A client for one upstream that checks every exchange against the contract unless told not to."""

    def __init__(self, base_url: str, *, basic: str | None = None, bearer: str | None = None):
        self.base_url = base_url
        self.validator = validator_for_url(base_url)
        self.session = requests.Session()
        if basic is not None:
            self.session.auth = (basic, "")
        if bearer is not None:
            self.session.headers["Authorization"] = f"Bearer {bearer}"

    def call(self, method: str, path: str, *, check: bool = True, **kwargs) -> requests.Response:
        """Send a request; with ``check`` both request and response must validate against the spec."""
        response = self.session.request(method, self.base_url + path, timeout=30, **kwargs)
        if check:
            self.validator.validate(response)
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        """GET"""
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        """POST"""
        return self.call("POST", path, **kwargs)

    def put(self, path: str, **kwargs) -> requests.Response:
        """PUT"""
        return self.call("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        """DELETE"""
        return self.call("DELETE", path, **kwargs)


@pytest.fixture(scope="session")
def sandbox_process():
    """The shared sandbox subprocess."""
    with SandboxProcess(future_seconds=FUTURE_SECONDS) as process:
        yield process


@pytest.fixture
def future_seconds() -> float:
    """How long an update future runs in the shared sandbox."""
    return FUTURE_SECONDS


@pytest.fixture
def sb(sandbox_process):
    """The shared sandbox, freshly re-seeded (knobs, stats and futures cleared)."""
    sandbox_process.reset()
    return sandbox_process


@pytest.fixture
def govern(sb) -> Api:
    """Govern client with the service key over HTTP Basic."""
    return Api(sb.url("govern"), basic="govern-service-key")


@pytest.fixture
def govern_as(sb):
    """Factory: Govern client authenticated as a given user (Bearer ``govern-key-<login>``)."""
    return lambda login: Api(sb.url("govern"), bearer=f"govern-key-{login}")


@pytest.fixture
def dss(sb) -> Api:
    """DSS client with the service key over HTTP Basic."""
    return Api(sb.url("dss"), basic="dss-service-key")


@pytest.fixture
def node_a(sb) -> Api:
    """API node A admin client (Bearer)."""
    return Api(sb.url("apinode-a"), bearer="apinode-admin-key")


@pytest.fixture
def node_b(sb) -> Api:
    """API node B admin client (Bearer)."""
    return Api(sb.url("apinode-b"), bearer="apinode-admin-key")
