"""Token buckets: at most `rate` requests per second on average, bursts up to `capacity`; one per process
(`TokenBucket`, thread-safe) or one shared by every process through Redis (`SharedBucket`)."""

from __future__ import annotations

import threading
import time

from django.core.cache import cache
from django_redis import get_redis_connection


class TokenBucket:
    def __init__(self, rate: float, capacity: float | None = None):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = float(rate)
        self.capacity = float(capacity if capacity is not None else max(1.0, rate))
        self._tokens = self.capacity
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def acquire(self, timeout: float | None = None) -> bool:
        """Take one token, sleeping until one is available; False if none came within `timeout` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                self._refill()
                if self._tokens >= 1:
                    self._tokens -= 1
                    return True
                wait = (1 - self._tokens) / self.rate
            if deadline is not None and time.monotonic() + wait > deadline:
                return False
            time.sleep(wait)


_buckets: dict[str, TokenBucket] = {}
_buckets_lock = threading.Lock()


def bucket_for(upstream: str, rate: float) -> TokenBucket:
    """The process-wide bucket of one upstream (shared by every thread of a refresh), rebuilt if `rate` changed."""
    with _buckets_lock:
        bucket = _buckets.get(upstream)
        if bucket is None or bucket.rate != float(rate):
            bucket = _buckets[upstream] = TokenBucket(rate)
        return bucket


# GCRA on one Redis key holding the "theoretical arrival time" (TAT, in microseconds of Redis's own clock, so the
# workers' clocks do not matter). A call is allowed when TAT - now <= the burst allowance; it then pushes TAT one
# interval on. Returns 0 when allowed, else the microseconds to wait. Atomic: Redis runs a script alone.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local allowance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
if tat - now > allowance then return tat - now - allowance end
redis.call('SET', KEYS[1], tat + interval, 'PX', math.ceil((tat + interval - now) / 1000) + 1000)
return 0
"""


class SharedBucket:
    """A token bucket kept in Redis, so every worker process (and thread) shares one budget: at most `rate` calls a
    second on average, bursts up to `capacity`. Used where a budget must hold across all workers (the Govern mirror).
    """

    def __init__(self, key: str, rate: float, capacity: float = 1.0):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.key = cache.make_key(f"ratelimit:{key}")
        self.rate = float(rate)
        self.interval_us = int(1_000_000 / self.rate)
        self.allowance_us = int(max(0.0, capacity - 1) * self.interval_us)

    def try_acquire(self) -> float:
        """Take one token if there is one. Returns 0.0 when taken, else the seconds until one may be. Raises
        `redis.exceptions.RedisError` when Redis cannot be reached (no budget, no call)."""
        connection = get_redis_connection("default")
        wait_us = connection.eval(_GCRA, 1, self.key, self.interval_us, self.allowance_us)
        return int(wait_us) / 1_000_000

    def acquire(self, timeout: float) -> bool:
        """Take one token, sleeping until one is available; False (nothing taken) if none comes within `timeout`
        seconds. Raises `RedisError` as `try_acquire`."""
        deadline = time.monotonic() + timeout
        while True:
            wait = self.try_acquire()
            if wait == 0:
                return True
            if time.monotonic() + wait > deadline:
                return False
            time.sleep(wait)
