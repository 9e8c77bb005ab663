"""Govern authentication: the service key, and ``govern-key-<login>`` for each existing user."""

from __future__ import annotations

from sandbox.state import Store

SERVICE_KEY = "govern-service-key"
SERVICE_ACCOUNT = "svc-portal"
USER_KEY_PREFIX = "govern-key-"


def authenticate(store: Store, key: str) -> str | None:
    """Map a key to a Govern login: the service key, or ``govern-key-<login>`` for any existing user."""
    if key == SERVICE_KEY:
        return SERVICE_ACCOUNT
    if key.startswith(USER_KEY_PREFIX):
        login = key.removeprefix(USER_KEY_PREFIX)
        with store.lock:
            if login in store.govern["users"]:
                return login
    return None
