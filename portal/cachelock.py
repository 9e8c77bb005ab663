"""Two small coordination tools on the shared cache (Redis): a lock with a token, and an "asked once" flag.

Both rest on `cache.add`, which sets a key only if it is absent, atomically: of many workers or page views racing for
the same key exactly one wins, without a read-then-write window. Neither ever waits: a caller that does not get the
lock or the flag is told so at once and goes on (a page view must not block on a worker, and a worker that waited
without a limit could hang behind a crashed one). Every key carries a TTL, so a holder that dies frees it anyway.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from redis.exceptions import RedisError

# Compare-and-act in one Redis call, so a lock that expired and was taken by another worker in between is never
# renewed or deleted by its former holder.
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('expire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


def _if_token(script: str, key: str, token: str, *args: int) -> int | None:
    """Run a compare-and-act script on `key` against `token`: its result, or None when the cache is not django-redis
    (the caller then falls back to a get-then-act). A Redis error counts as "not held" where the cache is set to
    ignore them (IGNORE_EXCEPTIONS), as every other cache call does; else it propagates."""
    client = getattr(cache, "client", None)
    if client is None or not hasattr(client, "get_client"):
        return None
    try:
        return int(client.get_client(write=True).eval(script, 1, client.make_key(key), client.encode(token), *args))
    except RedisError:
        if getattr(cache, "_ignore_exceptions", False):
            return 0
        raise


class CacheLock:
    """A lock held by whoever `acquire`d its token: one refresh (or sampling, or rebuild) at a time across workers.

    Atomic to take (`cache.add`); never waited for (`acquire` returns None at once when it is held). It expires after
    `ttl` seconds unless `renew`ed, so a crashed holder cannot keep it; `renew` and `release` act only while the given
    token still holds it, compared and applied in one Redis call, so a holder whose lock expired never frees or extends
    the next holder's. `ttl` is needed to `acquire` and `renew`; `release` and `held` ignore it.
    """

    def __init__(self, key: str, ttl: int | None = None):
        self.key = key
        self.ttl = ttl

    def _ttl(self) -> int:
        if not self.ttl:
            raise ValueError(f"CacheLock({self.key!r}) needs a ttl to be acquired or renewed")
        return int(self.ttl)

    def acquire(self) -> str | None:
        """A token if this caller now holds the lock, else None."""
        token = uuid.uuid4().hex
        return token if cache.add(self.key, token, self._ttl()) else None

    def renew(self, token: str) -> bool:
        """Give the lock a full `ttl` again. False (and nothing done) when `token` no longer holds it."""
        ttl = self._ttl()
        done = _if_token(_RENEW, self.key, token, ttl)
        if done is None:
            done = cache.get(self.key) == token and cache.touch(self.key, ttl)
        return bool(done)

    def release(self, token: str) -> None:
        """Free the lock if `token` still holds it; else leave it to its current holder."""
        if _if_token(_RELEASE, self.key, token) is None and cache.get(self.key) == token:
            cache.delete(self.key)

    def held(self) -> bool:
        """Whether anyone holds the lock now."""
        return cache.get(self.key) is not None


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
