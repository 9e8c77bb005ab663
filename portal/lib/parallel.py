"""Independent upstream reads of one request made at the same time, in a small pool shared by the process.

A page that needs four Govern reads, two of which depend on the first, waits two round trips instead of four. Each
call runs in a copy of the caller's context (its request id goes upstream with it). Only upstream calls go here: a
database query in a pool thread would open that thread's own connection.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from typing import Any

_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="upstream")


def gather(*calls: Callable[[], Any]) -> list[Any]:
    """The results of `calls`, in order, made concurrently (the first runs in the caller's thread). When any raises,
    the first one's exception (in the order given) is raised once all have ended."""
    futures = [_pool.submit(copy_context().run, call) for call in calls[1:]]
    results: list[Any] = []
    errors: list[BaseException | None] = []
    for run in [lambda: calls[0](), *[future.result for future in futures]]:
        try:
            results.append(run())
            errors.append(None)
        except Exception as exc:  # noqa: BLE001 - re-raised below, in the callers' order
            results.append(None)
            errors.append(exc)
    for error in errors:
        if error is not None:
            raise error
    return results
