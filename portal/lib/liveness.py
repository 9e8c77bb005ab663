"""Liveness stamps in Redis, read by /readyz: beat's tick, a worker's heartbeat, each upstream's last contact.

Upstream contacts are noted in memory on every answered call and flushed to Redis at most every FLUSH_SECONDS per
process, from a background thread: a call never waits on Redis for them. Every Redis call here is bounded by the
cache's socket timeouts and never raises.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache import cache
from django_redis import get_redis_connection

log = logging.getLogger(__name__)

FLUSH_SECONDS = 5.0
BEAT_KEY = "liveness:beat"
WORKER_KEY = "liveness:worker"
CONTACT_KEY = "liveness:upstream-contact"
# Stamps outlive any sensible probe interval; a stamp that is gone reads as "never".
STAMP_TTL = 7 * 24 * 3600

_lock = threading.Lock()
_pending: dict[str, float] = {}
_last_flush = 0.0


def _redis():
    return get_redis_connection("default")


def _stamp(key: str) -> None:
    try:
        _redis().set(cache.make_key(key), repr(time.time()), ex=STAMP_TTL)
    except Exception:  # noqa: BLE001 - redis-py raises several types; a stamp missed is the signal itself
        log.warning("could not write the liveness stamp %s", key)


def beat_ticked() -> None:
    """Beat sent its tick (called in the beat process)."""
    _stamp(BEAT_KEY)


def worker_alive() -> None:
    """A worker ran the tick task."""
    _stamp(WORKER_KEY)


def upstream_contacted(name: str) -> None:
    """Note that upstream `name` answered; flushed to Redis in the background every few seconds."""
    global _last_flush
    now = time.time()
    with _lock:
        _pending[name] = now
        if now - _last_flush < FLUSH_SECONDS:
            return
        _last_flush = now
        batch = dict(_pending)
        _pending.clear()
    threading.Thread(target=_flush, args=(batch,), name="liveness-flush", daemon=True).start()


def _flush(batch: dict[str, float]) -> None:
    try:
        client = _redis()
        key = cache.make_key(CONTACT_KEY)
        client.hset(key, mapping={name: repr(at) for name, at in batch.items()})
        client.expire(key, STAMP_TTL)
    except Exception:  # noqa: BLE001 - as in _stamp
        log.warning("could not flush upstream contact times")


def flush_now() -> None:
    """Flush pending contacts at once (tests, shutdown)."""
    global _last_flush
    with _lock:
        batch = dict(_pending)
        _pending.clear()
        _last_flush = time.time()
    if batch:
        _flush(batch)


def read() -> dict:
    """{"beat": epoch or None, "worker": epoch or None, "upstreams": {name: epoch}}. Raises the Redis error."""
    client = _redis()
    beat, worker = client.mget([cache.make_key(BEAT_KEY), cache.make_key(WORKER_KEY)])
    contacts = client.hgetall(cache.make_key(CONTACT_KEY))

    def num(raw):
        return float(raw) if raw else None

    return {
        "beat": num(beat),
        "worker": num(worker),
        "upstreams": {k.decode() if isinstance(k, bytes) else k: num(v) for k, v in contacts.items()},
    }
