"""A token bucket: at most `rate` requests per second on average, bursts up to `capacity`. Thread-safe."""

from __future__ import annotations

import threading
import time


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
