"""Unit tier: `portal.lib.parallel.gather` makes its calls at the same time, in order, in the caller's context."""

from __future__ import annotations

import contextvars
import threading

import pytest

from portal.lib.parallel import gather

pytestmark = pytest.mark.unit

who = contextvars.ContextVar("who", default="nobody")


def test_calls_run_at_the_same_time_and_results_keep_their_order():
    meet = threading.Barrier(3, timeout=5)  # only passes when all three calls are running at once

    def call(n):
        return lambda: (meet.wait(), n)[1]

    assert gather(call(1), call(2), call(3)) == [1, 2, 3]


def test_each_call_sees_the_callers_context():
    who.set("request 42")
    assert gather(who.get, who.get) == ["request 42", "request 42"]


def test_the_first_failure_in_order_is_raised_after_all_ended():
    ended = []

    def fails(message):
        def call():
            ended.append(message)
            raise ValueError(message)
        return call

    with pytest.raises(ValueError, match="first"):
        gather(lambda: 1, fails("first"), fails("second"))
    assert sorted(ended) == ["first", "second"]
