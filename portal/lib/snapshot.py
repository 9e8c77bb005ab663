"""The base of every Redis snapshot: one class owns a key prefix, a TTL, JSON (de)serialisation, a lock, an ask-once
flag and a per-process memo of stamped documents.

Subclasses (the deployment status cache, the API-node cache, the sign-off index, the Govern catalog) add only what
their data means. Values are stored as JSON text, never pickled classes, so new code never meets an unreadable entry:
a shape change bumps the subclass's `PREFIX` version, which changes every key.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, TypeVar

from django.core.cache import cache

from portal.lib.locks import AskOnce, CacheLock

T = TypeVar("T")


class RedisSnapshot:
    """Key format, TTL, serialisation and coordination of one cached thing. Cheap to build; holds no state but the
    class-level memo, which is shared by the threads of a process."""

    PREFIX: ClassVar[str]  # e.g. "deployer:v1"
    ASK_TTL: ClassVar[int] = 60

    _memo_lock: ClassVar[threading.Lock] = threading.Lock()
    _memos: ClassVar[dict[str, tuple[str, Any]]] = {}

    def __init__(self, ttl: int, lock_ttl: int | None = None):
        self.ttl = int(ttl)
        self.lock_ttl = int(lock_ttl or ttl)

    def key(self, *parts: str) -> str:
        return ":".join((self.PREFIX, *parts))

    # -- JSON values ---------------------------------------------------------------------------------------------

    def read(self, *parts: str) -> Any | None:
        """The decoded value, or None when absent (or Redis is unreachable: the cache ignores its errors)."""
        return _decode(cache.get(self.key(*parts)))

    def read_many(self, names: Iterable[str]) -> dict[str, Any]:
        """{name: value} for the names present, in one round trip; each name is a full key suffix."""
        keys = {self.key(name): name for name in names}
        found = cache.get_many(list(keys)) if keys else {}
        return {keys[k]: _decode(v) for k, v in found.items() if v is not None}

    def write(self, value: Any, *parts: str, ttl: int | None = None) -> None:
        cache.set(self.key(*parts), _encode(value), ttl or self.ttl)

    def write_many(self, values: dict[str, Any]) -> None:
        if values:
            cache.set_many({self.key(name): _encode(v) for name, v in values.items()}, self.ttl)

    def delete(self, *names: str) -> None:
        if names:
            cache.delete_many([self.key(name) for name in names])

    # -- stamped documents: a large value decoded once per process until it changes ----------------------------

    def read_stamped(self, name: str, decode: Callable[[Any], T]) -> T | None:
        """The document `name`, decoded by `decode`; a process reuses its decoded copy until the stamp changes, so a
        page view costs one small GET instead of a decode of the whole document. None when absent."""
        stamp = cache.get(self.key(name, "stamp"))
        if stamp is None:
            return None
        memo_key = self.key(name)
        memo = RedisSnapshot._memos.get(memo_key)
        if memo is not None and memo[0] == stamp:
            return memo[1]
        raw = self.read(name)
        if raw is None:
            return None
        value = decode(raw)
        with RedisSnapshot._memo_lock:
            RedisSnapshot._memos[memo_key] = (stamp, value)
        return value

    def write_stamped(self, name: str, value: Any, ttl: int | None = None) -> str:
        """Store the document and a new stamp (the stamp last, so a reader never pairs a new stamp with old data)."""
        stamp = secrets.token_hex(8)
        self.write(value, name, ttl=ttl)
        cache.set(self.key(name, "stamp"), stamp, ttl or self.ttl)
        return stamp

    def delete_stamped(self, name: str) -> None:
        self.delete(name, f"{name}:stamp")

    # -- coordination ----------------------------------------------------------------------------------------------

    def lock(self, name: str = "lock") -> CacheLock:
        """The lock that lets one worker at a time fill this snapshot (or, with `name`, one part of it)."""
        return CacheLock(self.key(name), self.lock_ttl)

    @property
    def asked(self) -> AskOnce:
        """Set by the first reader of a cold snapshot: a hundred readers ask for one fill (`request_fill_once`)."""
        return AskOnce(self.key("asked"), self.ASK_TTL)


def _encode(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _decode(raw: Any) -> Any | None:
    if raw is None:
        return None
    try:
        return json.loads(raw) if isinstance(raw, str | bytes) else None
    except ValueError:
        return None  # written by older code in another shape: treated as absent and refilled
