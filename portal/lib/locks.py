"""Coordination on the shared Redis: a lock with a token (redis-py's own `Lock`) and an "asked once" flag.

Neither ever waits: a caller that does not get the lock or the flag is told so at once and goes on (a page view must
not block on a worker, and a worker that waited without a limit could hang behind a crashed one). Every key carries a
TTL, so a holder that dies frees it anyway. A Redis error counts as "not held / not asked", as every other cache call
does under IGNORE_EXCEPTIONS: the portal degrades to "loading" rather than failing a page.
"""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django_redis import get_redis_connection
from redis.exceptions import LockError, RedisError
from redis.lock import Lock

log = logging.getLogger(__name__)


class CacheLock:
    """A lock held by whoever `acquire`d its token: one refresh (or sampling, or rebuild) at a time across workers.

    redis-py's `Lock` does the work (atomic SET NX with a TTL; compare-and-act renew and release in Lua), so a holder
    whose lock expired and was taken by another never renews or frees the next holder's. The token is returned to
    the caller instead of being kept in a thread-local, because the worker that takes a lock may renew it from
    another thread. `ttl` is needed to `acquire` and `renew`; `release` and `held` ignore it.
    """

    def __init__(self, key: str, ttl: int | None = None):
        self.key = key
        self.ttl = ttl

    def _ttl(self) -> int:
        if not self.ttl:
            raise ValueError(f"CacheLock({self.key!r}) needs a ttl to be acquired or renewed")
        return int(self.ttl)

    def _lock(self, token: str | None = None) -> Lock:
        lock = get_redis_connection("default").lock(
            cache.make_key(self.key), timeout=self.ttl or None, blocking=False, thread_local=False
        )
        if token is not None:
            lock.local.token = token.encode()
        return lock

    def acquire(self) -> str | None:
        """A token if this caller now holds the lock, else None."""
        self._ttl()
        token = uuid.uuid4().hex
        try:
            return token if self._lock().acquire(blocking=False, token=token) else None
        except RedisError as exc:
            log.warning("lock %s not taken, Redis failed: %s", self.key, exc)
            return None

    def renew(self, token: str) -> bool:
        """Give the lock a full `ttl` again. False (and nothing done) when `token` no longer holds it."""
        ttl = self._ttl()
        try:
            return bool(self._lock(token).extend(ttl, replace_ttl=True))
        except LockError:
            return False
        except RedisError as exc:
            log.warning("lock %s not renewed, Redis failed: %s", self.key, exc)
            return False

    def release(self, token: str) -> None:
        """Free the lock if `token` still holds it; else leave it to its current holder."""
        try:
            self._lock(token).release()
        except LockError:
            pass  # expired, or another holder's now: theirs to release
        except RedisError as exc:
            log.warning("lock %s not released (it expires by itself), Redis failed: %s", self.key, exc)

    def held(self) -> bool:
        """Whether anyone holds the lock now."""
        try:
            return self._lock().locked()
        except RedisError:
            return False


class AskOnce:
    """A flag that lets the first of many askers through: a hundred viewers of a cold cache enqueue one refresh.

    `ask` is true for the first caller only (atomic `cache.add`) until the flag is `clear`ed (when the asked-for work
    is done) or its `ttl` runs out (so a lost task is asked for again, not never).
    """

    def __init__(self, key: str, ttl: int):
        self.key = key
        self.ttl = ttl

    def ask(self) -> bool:
        return bool(cache.add(self.key, 1, self.ttl))

    def clear(self) -> None:
        cache.delete(self.key)
