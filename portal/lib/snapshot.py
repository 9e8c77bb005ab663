"""The base of every Redis snapshot: one class owns a key prefix, a TTL, JSON (de)serialisation, a lock, an ask-once
flag and a per-process memo of stamped documents.

Subclasses (the deployment status cache, the API-node cache, the sign-off index, the Govern catalog) add only what
their data means. Values are stored as JSON text, never pickled classes, so new code never meets an unreadable entry:
a shape change bumps the subclass's `PREFIX` version, which changes every key. They go to Redis as they are, not
through the cache's pickling serializer: a dashboard reads thousands of snapshots, and decoding each twice (unpickle,
then JSON) cost a third of its time. Keys still carry the cache's prefix, and a Redis error reads as "absent" and
drops a write, as the cache does under IGNORE_EXCEPTIONS: pages degrade to "loading", never fail.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, TypeVar

from django.core.cache import cache
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from portal.lib.locks import AskOnce, CacheLock

log = logging.getLogger(__name__)
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
        """The decoded value, or None when absent (or Redis is unreachable)."""
        try:
            return _decode(_redis().get(_full(self.key(*parts))))
        except RedisError as exc:
            log.warning("snapshot %s unreadable, Redis failed: %s", self.key(*parts), exc)
            return None

    def read_many(self, names: Iterable[str], decode: Callable[[Any], Any] | None = None) -> dict[str, Any]:
        """{name: value} for the names present, in one round trip; each name is a full key suffix. `decode` (of the
        stored bytes) lets a caller reuse what it decoded before."""
        decode = decode or _decode
        names = list(names)
        if not names:
            return {}
        try:
            raw = _redis().mget([_full(self.key(name)) for name in names])
        except RedisError as exc:
            log.warning("snapshots %s unreadable, Redis failed: %s", self.PREFIX, exc)
            return {}
        decoded = ((name, decode(value)) for name, value in zip(names, raw, strict=True) if value is not None)
        return {name: value for name, value in decoded if value is not None}

    def write(self, value: Any, *parts: str, ttl: int | None = None) -> None:
        self.write_many({":".join(parts): value}, ttl=ttl)

    def write_many(self, values: dict[str, Any], ttl: int | None = None) -> None:
        if not values:
            return
        try:
            pipe = _redis().pipeline(transaction=False)
            for name, value in values.items():
                pipe.set(_full(self.key(name)), _encode(value), ex=ttl or self.ttl)
            pipe.execute()
        except RedisError as exc:
            log.warning("snapshots %s not written, Redis failed: %s", self.PREFIX, exc)

    def delete(self, *names: str) -> None:
        if not names:
            return
        try:
            _redis().delete(*[_full(self.key(name)) for name in names])
        except RedisError as exc:
            log.warning("snapshots %s not deleted, Redis failed: %s", self.PREFIX, exc)

    # -- stamped documents: a large value decoded once per process until it changes ----------------------------

    def read_stamped(self, name: str, decode: Callable[[Any], T]) -> T | None:
        """The document `name`, decoded by `decode`; a process reuses its decoded copy until the stamp changes, so a
        page view costs one small GET instead of a decode of the whole document. None when absent. When the stamp
        changes, one thread of the process decodes and the others wait for its copy (see `one_at_a_time`)."""
        stamp = self.read(name, "stamp")
        if stamp is None:
            return None
        memo_key = self.key(name)
        memo = RedisSnapshot._memos.get(memo_key)
        if memo is not None and memo[0] == stamp:
            return memo[1]
        with one_at_a_time(memo_key):
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

    def stamped_at(self, name: str) -> float | None:
        """When the document `name` was stored (epoch seconds, from its stamp), or None when absent or unknown."""
        stamp = self.read(name, "stamp")
        head = stamp.split("-", 1)[0] if isinstance(stamp, str) and "-" in stamp else ""
        try:
            return float(head) if head else None
        except ValueError:
            return None

    def write_stamped(self, name: str, value: Any, ttl: int | None = None) -> str:
        """Store the document and a new stamp (the stamp last, so a reader never pairs a new stamp with old data).
        The stamp starts with the time it was written (`stamped_at`)."""
        stamp = f"{time.time():.3f}-{secrets.token_hex(8)}"
        self.write(value, name, ttl=ttl)
        self.write(stamp, name, "stamp", ttl=ttl)
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


_fill_locks: dict[str, threading.Lock] = {}
FILL_WAIT_SECONDS = 5.0


@contextmanager
def one_at_a_time(key: str, wait: float = FILL_WAIT_SECONDS) -> Iterator[None]:
    """Run the block in one thread of the process at a time per `key`, the others waiting for it (at most `wait`
    seconds, then running it anyway): a large document that changed is decoded (or a page rendered) once, not by
    every thread that asked at the same moment. The stampede was a process's peak memory and its slowest answers."""
    with RedisSnapshot._memo_lock:
        lock = _fill_locks.setdefault(key, threading.Lock())
    acquired = lock.acquire(timeout=wait)
    try:
        yield
    finally:
        if acquired:
            lock.release()


def _redis():
    return get_redis_connection("default")


def _full(key: str) -> str:
    """The key as the cache names it (with its prefix and version), so snapshots share the cache's key space."""
    return cache.make_key(key)


def _encode(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def decode(raw: Any) -> Any | None:
    """A stored value (JSON bytes) as Python; None for bytes another version of the code wrote in another shape."""
    return _decode(raw)


def _decode(raw: Any) -> Any | None:
    if raw is None:
        return None
    try:
        return json.loads(raw) if isinstance(raw, str | bytes) else None
    except ValueError:
        return None  # written by older code in another shape: treated as absent and refilled
