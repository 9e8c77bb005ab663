"""Celery tasks of the operators' view: thin, they take ids and call the subject modules; each is safe to run twice.

Only Celery imports this module (autodiscovery); callers send these tasks by name through `deployer_ui.enqueue`.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from deployer_ui import enqueue, node_sampling, updates
from deployer_ui.refresh import refresh_all
from portal import tasknames

log = logging.getLogger(__name__)


@shared_task(name=tasknames.REFRESH_DEPLOYMENTS, ignore_result=True)
def refresh_deployments(on_demand: bool = False) -> dict:
    """Beat (every DEPLOYMENT_REFRESH_SECONDS) and cold pages: refresh every status into the cache. Never retried:
    the next beat is the retry, and failures are recorded in the cache for the pages to show."""
    return refresh_all(on_demand=on_demand)


@shared_task(name=tasknames.POLL_UPDATE, ignore_result=True)
def poll_update(update_id: int) -> str:
    """Follow one update's future to its end. Errors are handled in the loop; a duplicate run returns at once."""
    return updates.poll_update(update_id)


@shared_task(name=tasknames.RESUME_UPDATE_POLLS, ignore_result=True)
def resume_update_polls() -> int:
    """Beat (every minute) and worker start: send a poller for every running update whose lease expired."""
    ids = updates.resumable_updates()
    for update_id in ids:
        enqueue.poll_update(update_id)
    if ids:
        log.info("resumed polling of updates %s", ids)
    return len(ids)


@shared_task(name=tasknames.SAMPLE_API_NODES, ignore_result=True)
def sample_api_nodes(on_demand: bool = False) -> int:
    """Beat (every API_NODE_SAMPLE_SECONDS) and cold pages: one health + metrics sample per API node into the
    database, and health + services + metrics into the node cache. Returns the number of nodes sampled (0 when
    skipped). Never retried: the next beat is the retry, and failures are recorded for the pages to show."""
    return node_sampling.sample_all(on_demand=on_demand)


@shared_task(name=tasknames.PRUNE_API_NODE_SAMPLES, ignore_result=True)
def prune_api_node_samples() -> int:
    """Beat (hourly): drop samples older than API_NODE_SAMPLE_RETENTION_DAYS."""
    return node_sampling.prune_samples()


@worker_ready.connect
def _resume_on_worker_start(sender=None, **kwargs):
    """A (re)started worker resumes orphaned polls now, and once more when a dead worker's lease has surely expired."""
    enqueue.resume_update_polls()
    enqueue.resume_update_polls(countdown=settings.DEPLOYMENT_UPDATE_LEASE_SECONDS + 1)
