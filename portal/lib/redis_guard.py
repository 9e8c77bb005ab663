"""A per-process circuit breaker in front of Redis: after one Redis timeout or refused connection, every Redis call of
this process is skipped at once for REDIS_BREAKER_SECONDS instead of each paying the socket timeout again.

Every cache, lock, snapshot and liveness call goes through django-redis's connection pool, which is built with
`GuardedConnectionPool` (settings: CACHES' CONNECTION_POOL_CLASS): its connections ask the breaker before they touch
the socket. Sending a Celery task asks it too (`portal.lib.tasks.send_now`), and a send that fails trips it. A skipped
call raises `RedisSkipped` (a redis `ConnectionError`), which every caller already treats as "Redis unavailable": the
cache reads as empty under IGNORE_EXCEPTIONS, a lock is "not held", a task send is left to its beat sweep.

When the pause is over, one call (the probe) goes through while the others keep skipping; its success closes the
breaker, its failure opens it for another pause. `redis_unavailable()` is what pages show their banner by.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import cache

from django.conf import settings
from django_redis import get_redis_connection
from redis.backoff import NoBackoff
from redis.connection import Connection, ConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

log = logging.getLogger(__name__)


class RedisSkipped(RedisConnectionError):
    """Raised instead of calling Redis while the breaker is open."""

    MESSAGE = "Redis skipped: it was unavailable moments ago"


class Breaker:
    """Closed (calls go through) or open since `opened_at` (calls are skipped until `cooldown` seconds have passed;
    then one probe at a time is let through). Thread-safe; one per process."""

    def __init__(self, cooldown: float | None = None, clock=time.monotonic):
        self._cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self.opened_at: float | None = None
        self._probe_until = 0.0
        self._prober: int | None = None

    @property
    def cooldown(self) -> float:
        return float(self._cooldown if self._cooldown is not None else settings.REDIS_BREAKER_SECONDS)

    def is_open(self) -> bool:
        """True from a failure until the next successful call."""
        return self.opened_at is not None

    def allow(self) -> bool:
        """Whether a Redis call may go ahead now: always when closed; when open, only one probe per pause (the thread
        that probes may go on: connecting and sending are two steps of one call)."""
        if self.opened_at is None:
            return True
        now = self._clock()
        me = threading.get_ident()
        with self._lock:
            if self.opened_at is None:
                return True
            if now < self._probe_until:
                return self._prober == me
            if now - self.opened_at < self.cooldown:
                return False
            # One probe; if it neither succeeds nor fails within a pause (a hung thread), let another try.
            self._probe_until, self._prober = now + self.cooldown, me
            return True

    def failed(self, exc: BaseException | None = None) -> None:
        """A Redis call timed out or was refused: skip Redis for the next `cooldown` seconds."""
        with self._lock:
            was_closed = self.opened_at is None
            self.opened_at = self._clock()
            self._probe_until, self._prober = 0.0, None
        if was_closed:
            log.warning("Redis unavailable (%s); skipping it for %.0f s at a time until it answers", exc,
                        self.cooldown)

    def succeeded(self) -> None:
        """A Redis call answered: close the breaker."""
        if self.opened_at is None:
            return
        with self._lock:
            was_open = self.opened_at is not None
            self.opened_at = None
            self._probe_until, self._prober = 0.0, None
        if was_open:
            log.warning("Redis answers again")


breaker = Breaker()


def redis_unavailable() -> bool:
    """True while this process has found Redis (the cache and the broker) unavailable and not yet seen it answer."""
    return breaker.is_open()


def redis_answers() -> bool:
    """Ask Redis once (a PING through the guarded pool, bounded by REDIS_SOCKET_TIMEOUT): True when it answers. A
    timeout or a refused connection opens the breaker, as any other call's would."""
    try:
        return bool(get_redis_connection("default").ping())
    except RedisError:
        return False


class GuardedConnectionMixin:
    """Asks the breaker before connecting or sending. A timeout, or a connection refused, opens it; an answer closes
    it. A connection that breaks mid-command (Redis restarted) does not open it: the pool's one retry reconnects."""

    def connect(self, *args, **kwargs):
        if not breaker.allow():
            raise RedisSkipped(RedisSkipped.MESSAGE)
        try:
            return super().connect(*args, **kwargs)
        except RedisSkipped:
            raise
        except (RedisTimeoutError, RedisConnectionError) as exc:
            breaker.failed(exc)
            raise

    def send_packed_command(self, *args, **kwargs):
        if not breaker.allow():
            self.disconnect()  # nothing was sent: the next probe starts on a fresh connection
            raise RedisSkipped(RedisSkipped.MESSAGE)
        try:
            return super().send_packed_command(*args, **kwargs)
        except RedisTimeoutError as exc:
            breaker.failed(exc)
            raise

    def read_response(self, *args, **kwargs):
        try:
            response = super().read_response(*args, **kwargs)
        except RedisTimeoutError as exc:
            breaker.failed(exc)
            raise
        breaker.succeeded()
        return response


@cache
def guarded(connection_class: type[Connection]) -> type[Connection]:
    """`connection_class` (TCP, unix socket or TLS, as the URL chose) with the breaker in front."""
    return type(f"Guarded{connection_class.__name__}", (GuardedConnectionMixin, connection_class), {})


class GuardedConnectionPool(ConnectionPool):
    """redis-py's pool whose connections go through the breaker. They retry once, at once, on a broken connection
    (Redis restarted), never on a timeout: a retry would double the wait on a stalled Redis (the breaker, beat and
    the leases are the retries)."""

    def __init__(self, connection_class=Connection, **kwargs):
        kwargs.setdefault("retry", Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)))
        super().__init__(connection_class=guarded(connection_class), **kwargs)
