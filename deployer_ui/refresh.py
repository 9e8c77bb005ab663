"""Filling the status cache from the Deployer: the full refresh cycle (beat) and one deployment's refresh.

Bounded concurrency (DEPLOYER_REFRESH_CONCURRENCY threads over the pooled client) within a request budget
(DEPLOYER_REQUESTS_PER_SECOND, one token bucket shared by the threads): a large installation makes the cycle longer,
never the Deployer busier. The cache's ages then say how old each status is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

from deployer_ui.client import UPSTREAM_NAME, Deployment, get_client
from deployer_ui.status_cache import StatusCache
from portal.lib.ratelimit import bucket_for
from portal.lib.upstream import UpstreamError, UpstreamNotFound
from portal.lib.web import upstream_error_text

log = logging.getLogger(__name__)


def _budget():
    return bucket_for("deployer", settings.DEPLOYER_REQUESTS_PER_SECOND)


def refresh_all(*, on_demand: bool = False) -> dict:
    """One refresh cycle: list deployments and stages, then every status. Returns a summary dict.

    Skips (returns {"skipped": ...}) when another refresh holds the lock, or when an on-demand refresh (a cold
    page) finds the cache already warm. Upstream failures are recorded in the cache, never raised.
    """
    cache = StatusCache()
    if on_demand and not cache.is_cold():
        cache.asked.clear()
        return {"skipped": "warm"}
    lock = cache.lock()
    token = lock.acquire()
    if token is None:
        return {"skipped": "running"}
    try:
        return _cycle(cache, lambda: lock.renew(token))
    finally:
        lock.release(token)
        cache.asked.clear()


def _cycle(cache: StatusCache, renew_lock: Callable[[], bool]) -> dict:
    cache.cycle_started()
    client, budget = get_client(), _budget()
    try:
        budget.acquire()
        deployments = client.list_deployments()
    except UpstreamError as exc:
        log.warning("deployment refresh: listing failed: %s", exc)
        error = upstream_error_text(exc, UPSTREAM_NAME)
        cache.record_failure_for_all(error)
        cache.cycle_finished(ok=False, error=error)
        return {"ok": False, "error": error}
    try:
        budget.acquire()
        cache.save_stages([stage.id for stage in client.list_stages()])
    except UpstreamError as exc:  # the order of groups is cosmetic: keep the last known order and go on
        log.warning("deployment refresh: stages failed: %s", exc)
    previous = {item["id"] for item in cache.load_list() or []}
    cache.save_list(deployments)
    cache.drop(sorted(previous - {d.id for d in deployments}))

    def fetch(deployment: Deployment) -> str:
        budget.acquire()
        try:
            status = client.get_deployment_status(deployment.id)
        except UpstreamError as exc:
            error = upstream_error_text(exc, UPSTREAM_NAME)
            cache.record_failure(deployment.id, error, deployment)
            return error
        finally:
            renew_lock()
        cache.record_status(deployment, status)
        return ""

    workers = max(1, min(settings.DEPLOYER_REFRESH_CONCURRENCY, len(deployments) or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deployer-refresh") as pool:
        errors = [e for e in pool.map(fetch, deployments) if e]
    error = f"{len(errors)} of {len(deployments)} statuses failed: {errors[0]}" if errors else ""
    cache.cycle_finished(ok=not errors, error=error, count=len(deployments))
    return {"ok": not errors, "count": len(deployments), "errors": len(errors)}


def refresh_one(deployment_id: str) -> bool:
    """Refresh one deployment's snapshot now (after an update ended). False if another refresh of it is running.

    Upstream failures are recorded in the snapshot, not raised.
    """
    cache = StatusCache()
    lock = cache.deployment_lock(deployment_id)
    token = lock.acquire()
    if token is None:
        return False
    client, budget = get_client(), _budget()
    try:
        budget.acquire()
        deployment = client.get_deployment(deployment_id)
        budget.acquire()
        status = client.get_deployment_status(deployment_id)
    except UpstreamNotFound:
        cache.drop([deployment_id])
        return True
    except UpstreamError as exc:
        cache.record_failure(deployment_id, upstream_error_text(exc, UPSTREAM_NAME))
        return True
    finally:
        lock.release(token)
    cache.record_status(deployment, status)
    return True
