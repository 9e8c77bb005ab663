"""The Deployer's one service account: its key, its login and the version tags its writes stamp."""

from __future__ import annotations

from sandbox.clock import now_ms
from sandbox.seed import version_tag
from sandbox.state import Store

SERVICE_KEY = "dss-service-key"
SERVICE_LOGIN = "svc-portal"
SERVICE_DISPLAY = "Portal service account"


def authenticate(store: Store, key: str) -> str | None:
    """The Deployer service key is the only key."""
    return SERVICE_LOGIN if key == SERVICE_KEY else None


def bump(tag: dict) -> dict:
    """The next version tag after ``tag``, stamped now by the service account."""
    return version_tag(tag["versionNumber"] + 1, SERVICE_LOGIN, now_ms(), SERVICE_DISPLAY)
