"""Probes: /healthz (the process answers) and /readyz (database, Redis, beat, workers, upstream contact, cache ages)."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.lib import liveness, metrics

# A beat tick or worker heartbeat older than this many tick intervals makes the portal not ready.
STALE_TICKS = 4


@never_cache
@require_GET
def healthz(request):
    """Liveness for load balancers: the web process answers. It touches no database, Redis or upstream."""
    return JsonResponse({"ok": True})


def _age(at: float | None, now: float) -> int | None:
    return None if at is None else max(0, int(now - at))


def readiness() -> tuple[bool, dict]:
    """(ready, report). Ready when the database and Redis answer and beat and a worker ticked recently; upstream
    contact and cache ages are reported, not required (an upstream outage degrades pages, it does not stop them)."""
    now = time.time()
    report: dict = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = {"ok": True}
    except Exception as exc:  # noqa: BLE001 - any driver error means "not ready"
        report["database"] = {"ok": False, "error": exc.__class__.__name__}
    stale_after = STALE_TICKS * settings.PORTAL_BEAT_TICK_SECONDS
    try:
        stamps = liveness.read()
        report["redis"] = {"ok": True}
    except Exception as exc:  # noqa: BLE001 - redis-py raises several types
        stamps = {"beat": None, "worker": None, "upstreams": {}}
        report["redis"] = {"ok": False, "error": exc.__class__.__name__}
    for part in ("beat", "worker"):
        age = _age(stamps[part], now)
        report[part] = {"ok": age is not None and age <= stale_after, "age_seconds": age}
    report["upstreams"] = {
        name: {"last_contact_age_seconds": _age(at, now)} for name, at in sorted(stamps["upstreams"].items())
    }
    report["cache_ages_seconds"] = metrics.read_gauge("portal_cache_age_seconds") or {}
    ready = all(report[part]["ok"] for part in ("database", "redis", "beat", "worker"))
    return ready, report


@never_cache
@require_GET
def readyz(request):
    """200 with the report when ready, else 503 with the same report."""
    ready, report = readiness()
    return JsonResponse({"ready": ready, **report}, status=200 if ready else 503)
