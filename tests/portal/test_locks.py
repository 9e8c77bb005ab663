"""The cache lock and the ask-once flag, against the real (embedded) Redis the suite runs."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django_redis import get_redis_connection

from portal.lib.locks import AskOnce, CacheLock

KEY = "test:cachelock"


def stored(key: str = KEY) -> str | None:
    """The token the lock stores (redis-py writes it raw, not through the cache's serializer)."""
    raw = get_redis_connection("default").get(cache.make_key(key))
    return raw.decode() if raw is not None else None


def test_of_two_acquires_only_one_gets_a_token():
    first, second = CacheLock(KEY, 30).acquire(), CacheLock(KEY, 30).acquire()
    assert first and second is None
    assert CacheLock(KEY).held()


def test_release_with_a_wrong_token_keeps_the_lock():
    lock = CacheLock(KEY, 30)
    token = lock.acquire()
    lock.release("not-" + token)
    assert lock.held() and stored() == token
    lock.release(token)
    assert not lock.held() and lock.acquire() is not None


def test_renew_extends_the_lock_only_for_its_holder():
    token = CacheLock(KEY, 5).acquire()
    assert cache.ttl(KEY) <= 5
    assert CacheLock(KEY, 100).renew(token)
    assert 5 < cache.ttl(KEY) <= 100
    assert not CacheLock(KEY, 1000).renew("not-" + token)
    assert cache.ttl(KEY) <= 100


def test_expiry_frees_the_lock_and_its_former_holder_cannot_touch_the_next():
    lock = CacheLock(KEY, 1)
    old = lock.acquire()
    time.sleep(1.5)
    assert not lock.held()
    new = CacheLock(KEY, 30).acquire()
    assert new and new != old
    assert not lock.renew(old)
    lock.release(old)
    assert stored() == new


def test_a_lock_without_ttl_cannot_be_acquired():
    with pytest.raises(ValueError):
        CacheLock(KEY).acquire()


def test_ask_once_is_true_for_the_first_asker_until_cleared_or_expired():
    asked = AskOnce("test:ask-once", 1)
    assert asked.ask() and not asked.ask() and not AskOnce("test:ask-once", 1).ask()
    asked.clear()
    assert asked.ask()
    time.sleep(1.5)
    assert asked.ask()


def test_on_redis_renew_and_release_compare_and_act_in_one_call(monkeypatch):
    token = CacheLock(KEY, 30).acquire()

    def no_get(*args, **kwargs):
        raise AssertionError("a separate GET leaves a window between the check and the act")

    monkeypatch.setattr(cache, "get", no_get)
    lock = CacheLock(KEY, 30)
    assert lock.renew(token) and not lock.renew("not-" + token)
    lock.release("not-" + token)
    assert cache.has_key(KEY)
    lock.release(token)
    assert not cache.has_key(KEY)
