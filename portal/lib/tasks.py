"""Sending Celery tasks by name, after the current transaction commits, and asking for a cache fill once.

Each app's `enqueue.py` is the only caller: it names its tasks with constants from `portal.tasknames`, so no module
but Celery's autodiscovery imports a `tasks.py`, and no import cycle can form through one.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from celery import current_app
from django.db import transaction

from portal.lib.locks import AskOnce
from portal.lib.redis_guard import breaker

log = logging.getLogger(__name__)


def send_now(name: str, *, countdown: float | None = None, **kwargs: Any) -> bool:
    """Send task `name` with `kwargs`. False (logged) when the broker cannot take it, or is skipped because Redis
    failed moments ago (the circuit breaker): every task the portal sends has a beat sweep or a lease behind it, so
    a lost send is retried by the schedule, never lost for good. Never waits longer than the broker's socket
    timeout (twice, with the one retry)."""
    try:
        if current_app.conf.task_always_eager:
            current_app.tasks[name].apply(kwargs=kwargs)
            return True
        if not breaker.allow():
            log.warning("task %s not sent: Redis is unavailable; its beat schedule will pick the work up", name)
            return False
        current_app.send_task(name, kwargs=kwargs, countdown=countdown)
    except Exception as exc:  # noqa: BLE001 - kombu raises several unrelated types when the broker is down
        breaker.failed(exc)
        log.exception("could not send task %s; its beat schedule will pick the work up", name)
        return False
    breaker.succeeded()
    return True


def send_after_commit(name: str, *, countdown: float | None = None, **kwargs: Any) -> None:
    """Send task `name` once the current transaction commits (at once outside one), so a worker never looks for a
    row that is not committed yet."""
    transaction.on_commit(partial(send_now, name, countdown=countdown, **kwargs), robust=True)


def request_fill_once(asked: AskOnce, name: str, **kwargs: Any) -> bool:
    """Ask a worker to fill a cold cache: the first of many callers sends task `name`, the others find it asked.
    True when this call sent it."""
    if not asked.ask():
        return False
    send_after_commit(name, **kwargs)
    return True
