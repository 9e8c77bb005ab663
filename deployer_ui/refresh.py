"""Filling the status cache from the Deployer: the full refresh cycle (beat) and one deployment's refresh.

Bounded concurrency (DEPLOYER_REFRESH_CONCURRENCY threads over the pooled client) within a request budget
(DEPLOYER_REQUESTS_PER_SECOND, one token bucket shared by the threads): a large installation makes the cycle longer,
never the Deployer busier. The cache's ages then say how old each status is.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

from deployer_ui.client import UPSTREAM_NAME, Deployment, get_client
from deployer_ui.status_cache import StatusCache
from portal.lib.ratelimit import bucket_for
from portal.lib.upstream import UpstreamError, UpstreamNotFound

log = logging.getLogger(__name__)


def describe(exc: UpstreamError) -> str:
    """A one-line, key-free description of an upstream failure, naming the upstream."""
    return f"{exc.upstream or UPSTREAM_NAME} {exc.message}"


def _budget():
    return bucket_for("dss", settings.DEPLOYER_REQUESTS_PER_SECOND)


def refresh_all(*, on_demand: bool = False) -> dict:
    """One refresh cycle: list deployments and stages, then every status. Returns a summary dict.

    Skips (returns {"skipped": ...}) when another refresh holds the lock, or when an on-demand refresh (a cold
    page) finds the cache already warm. Upstream failures are recorded in the cache, never raised.
    """
    cache = StatusCache()
    if on_demand and not cache.is_cold():
        cache.clear_refresh_asked()
        return {"skipped": "warm"}
    token = cache.acquire_lock()
    if token is None:
        return {"skipped": "running"}
    try:
        return _cycle(cache, token)
    finally:
        cache.release_lock(token)
        cache.clear_refresh_asked()


def _cycle(cache: StatusCache, token: str) -> dict:
    cache.cycle_started()
    client, budget = get_client(), _budget()
    try:
        budget.acquire()
        deployments = client.list_deployments()
    except UpstreamError as exc:
        log.warning("deployment refresh: listing failed: %s", exc)
        cache.record_failure_for_all(describe(exc))
        cache.cycle_finished(ok=False, error=describe(exc))
        return {"ok": False, "error": describe(exc)}
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
            cache.record_failure(deployment.id, describe(exc), deployment)
            return describe(exc)
        finally:
            cache.renew_lock(token)
        cache.record_status(deployment, status)
        return ""

    workers = max(1, min(settings.DEPLOYER_REFRESH_CONCURRENCY, len(deployments) or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dss-refresh") as pool:
        errors = [e for e in pool.map(fetch, deployments) if e]
    error = f"{len(errors)} of {len(deployments)} statuses failed: {errors[0]}" if errors else ""
    cache.cycle_finished(ok=not errors, error=error, count=len(deployments))
    return {"ok": not errors, "count": len(deployments), "errors": len(errors)}


def refresh_one(deployment_id: str) -> bool:
    """Refresh one deployment's snapshot now (after an update ended). False if another refresh of it is running.

    Upstream failures are recorded in the snapshot, not raised.
    """
    cache = StatusCache()
    key = cache.one_lock_key(deployment_id)
    token = cache.acquire_lock(key)
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
        cache.record_failure(deployment_id, describe(exc))
        return True
    finally:
        cache.release_lock(token, key)
    cache.record_status(deployment, status)
    return True
