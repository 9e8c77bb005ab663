"""The hash chain's arithmetic: which fields an event's hash covers, their canonical JSON, and the link to the previous
event. Pure functions, shared by the service, `verify_audit` and the migration that chained the rows written before
the chain existed; changing any of them breaks every stored hash, so the version is part of what is hashed."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

VERSION = 1
# The "previous hash" of the first event.
GENESIS = "0" * 64

# Every field an auditor reads, in no particular order (the canonical JSON sorts keys). The row id is not hashed: it is
# given by the database at insert time, after the hash is computed, and the chain already fixes each event's place.
HASHED_FIELDS = (
    "at",
    "source",
    "actor_id",
    "actor_username",
    "govern_login",
    "action",
    "target_type",
    "target_id",
    "artifact_id",
    "blueprint_id",
    "deployment_id",
    "input",
    "outcome",
    "upstream_status",
    "detail",
    "request_id",
    "client_ip",
    "natural_key",
    "portal_event_id",
)


def timestamp(value: dt.datetime) -> str:
    """UTC with microseconds: what both SQLite and PostgreSQL give back for what was stored."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds")


def event_fields(event: Any) -> dict[str, Any]:
    """The hashed fields of `event` (a model instance, current or historical) as plain JSON values."""
    fields = {name: getattr(event, name) for name in HASHED_FIELDS}
    fields["at"] = timestamp(fields["at"])
    fields["v"] = VERSION
    return fields


def canonical(fields: dict[str, Any]) -> bytes:
    """Sorted keys, no whitespace, UTF-8: one byte string per event whatever the database or Python version."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def chain_hash(prev_hash: str, event: Any) -> str:
    """sha256(previous hash + canonical JSON of the event), hex."""
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(event_fields(event))).hexdigest()


def _strings(value: Any):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif value is not None and value != "":
        yield str(value)


def search_text(event: Any) -> str:
    """What free-text search looks in, lower-cased: actor, Govern login, action, target, the input's values
    (comments, delegate, bundle) and the upstream's message. Derived from hashed fields, so `verify_audit` can check
    it too."""
    parts = [event.actor_username, event.govern_login, event.action, event.target_id, event.detail]
    parts.extend(_strings(event.input))
    return "\n".join(p for p in parts if p).lower()


def normalise_json(value: Any) -> Any:
    """`value` as the JSON column gives it back, so that the hash computed before the insert is the one recomputed
    from the stored row: tuples become lists, other objects and floats their text (PostgreSQL's jsonb rewrites 1e20
    as an integer), and NUL characters, which PostgreSQL refuses, are dropped."""
    if isinstance(value, str):
        return clean_text(value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): normalise_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [normalise_json(v) for v in value]
    return clean_text(str(value))


def clean_text(value: str) -> str:
    return value.replace("\x00", "")
