"""Lookups shared by the Deployer handlers: a record by id (404), deployments by reference, required fields (400)."""

from __future__ import annotations

from sandbox.http import bad_request, not_found
from sandbox.state import Store


def lookup(store: Store, kind: str, collection: str, ident: str) -> dict:
    """The record ``ident`` of ``store.dss[collection]``, or a 404 naming ``kind``."""
    try:
        return store.dss[collection][ident]
    except KeyError:
        raise not_found(kind, ident) from None


def deployments_where(store: Store, key: str, value: str) -> list:
    """Deployments whose setting ``key`` is ``value``."""
    return [dep for dep in store.dss["deployments"].values() if dep["settings"][key] == value]


def require(body: dict, *keys: str) -> None:
    """A 400 naming the ``keys`` that are missing or empty in ``body``."""
    missing = [key for key in keys if not body.get(key)]
    if missing:
        raise bad_request(f"missing required field(s): {', '.join(missing)}")
