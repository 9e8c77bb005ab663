"""Celery tasks of the operators' view. Tasks take ids and call services; every one is safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from deployer_ui import services
from deployer_ui.refresh import refresh_all

log = logging.getLogger(__name__)


@shared_task(name="deployer_ui.tasks.refresh_deployments", ignore_result=True)
def refresh_deployments(on_demand: bool = False) -> dict:
    """Beat (every DEPLOYMENT_REFRESH_SECONDS) and cold pages: refresh every status into the cache. Never retried:
    the next beat is the retry, and failures are recorded in the cache for the pages to show."""
    return refresh_all(on_demand=on_demand)


@shared_task(name="deployer_ui.tasks.poll_update", ignore_result=True)
def poll_update(update_id: int) -> str:
    """Follow one update's future to its end. Errors are handled in the loop; a duplicate run returns at once."""
    return services.poll_update(update_id)


@shared_task(name="deployer_ui.tasks.resume_update_polls", ignore_result=True)
def resume_update_polls() -> int:
    """Beat (every minute) and worker start: re-enqueue a poller for every running update whose lease expired."""
    ids = services.resumable_updates()
    for update_id in ids:
        poll_update.delay(update_id)
    if ids:
        log.info("resumed polling of updates %s", ids)
    return len(ids)


@shared_task(name="deployer_ui.tasks.sample_api_nodes", ignore_result=True)
def sample_api_nodes(on_demand: bool = False) -> int:
    """Beat (every API_NODE_SAMPLE_SECONDS) and cold pages: one health + metrics sample per API node into the
    database, and health + services + metrics into the node cache. Never retried: the next beat is the retry, and
    failures are recorded for the pages to show."""
    return services.sample_api_nodes(on_demand=on_demand)


@shared_task(name="deployer_ui.tasks.prune_api_node_samples", ignore_result=True)
def prune_api_node_samples() -> int:
    """Beat (hourly): drop samples older than API_NODE_SAMPLE_RETENTION_DAYS."""
    return services.prune_api_node_samples()


@worker_ready.connect
def _resume_on_worker_start(sender=None, **kwargs):
    """A (re)started worker resumes orphaned polls now, and once more when a dead worker's lease has surely expired."""
    resume_update_polls.delay()
    resume_update_polls.apply_async(countdown=settings.DEPLOYMENT_UPDATE_LEASE_SECONDS + 1)
