"""A stalled or stopped Redis costs a process one socket timeout, then is skipped until it answers again: the cache
reads as empty, locks as not held, and every page knows it (the circuit breaker of portal/lib/redis_guard.py)."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache

from deployer_ui.status_cache import StatusCache
from portal.lib.locks import CacheLock
from portal.lib.redis_guard import Breaker, redis_unavailable


@pytest.fixture
def own_redis(private_redis, settings):
    """The cache pointed at a private Redis (which the test may stall), with a short pause between probes."""
    caches = {**settings.CACHES}
    caches["default"] = {**caches["default"], "LOCATION": private_redis.url}
    settings.CACHES = caches
    settings.REDIS_BREAKER_SECONDS = 1.0
    return private_redis


def _timed(fn):
    start = time.monotonic()
    value = fn()
    return value, time.monotonic() - start


def test_a_stalled_redis_costs_one_timeout_then_is_skipped_until_it_answers(own_redis, settings):
    cache.set("greeting", "hello", 60)
    own_redis.freeze()
    value, first = _timed(lambda: cache.get("greeting"))
    assert value is None and first < settings.REDIS_SOCKET_TIMEOUT + 0.5
    assert redis_unavailable()

    def many_calls():
        for _ in range(20):
            cache.get("greeting")
            cache.set("other", 1, 60)
            StatusCache().all_views()
            CacheLock("some-lock", ttl=30).acquire()
        return None

    _, rest = _timed(many_calls)
    assert rest < 0.5, f"80 calls to a stalled Redis took {rest:.2f}s: the breaker did not skip them"

    own_redis.thaw()
    time.sleep(settings.REDIS_BREAKER_SECONDS + 0.1)
    assert cache.get("greeting") == "hello"  # the probe: nothing written was lost
    assert not redis_unavailable()


def test_a_stopped_redis_is_skipped_as_fast(own_redis, settings):
    cache.set("greeting", "hello", 60)
    own_redis.stop()
    value, first = _timed(lambda: cache.get("greeting"))
    assert value is None and first < settings.REDIS_SOCKET_TIMEOUT + 0.5
    assert redis_unavailable()
    _, rest = _timed(lambda: [CacheLock("some-lock", ttl=30).acquire() for _ in range(50)])
    assert rest < 0.5


@pytest.mark.unit
def test_after_the_pause_one_probe_goes_through_and_its_answer_decides():
    now = [100.0]
    breaker = Breaker(cooldown=5, clock=lambda: now[0])
    assert breaker.allow() and not breaker.is_open()
    breaker.failed(TimeoutError("stalled"))
    assert breaker.is_open() and not breaker.allow()
    now[0] += 5
    assert breaker.allow()  # the probe
    assert breaker.allow()  # its next step (connecting, then sending)
    others = []
    thread = threading.Thread(target=lambda: others.append(breaker.allow()))
    thread.start()
    thread.join()
    assert others == [False]  # the other threads keep skipping while it runs
    breaker.failed(TimeoutError("still stalled"))
    now[0] += 4.9
    assert not breaker.allow()
    now[0] += 0.1
    assert breaker.allow()
    breaker.succeeded()
    assert not breaker.is_open() and breaker.allow() and breaker.allow()
