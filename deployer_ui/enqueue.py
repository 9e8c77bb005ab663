"""Sending the operators' view's Celery tasks: the only place that does, by task name, after the transaction commits.

Nothing imports `deployer_ui.tasks`: the names come from `portal.tasknames`, so a subject module can ask for work
without an import cycle through the tasks that call it.
"""

from __future__ import annotations

from deployer_ui.node_cache import NodeStatusCache, NodeView
from deployer_ui.status_cache import StatusCache
from portal import tasknames
from portal.lib.snapshot import RedisSnapshot
from portal.lib.tasks import request_fill_once, send_after_commit, send_now


def poll_update(update_id: int) -> None:
    """Follow an update's future in a worker, once the update's row is committed."""
    send_after_commit(tasknames.POLL_UPDATE, update_id=update_id)


def resume_update_polls(*, countdown: float | None = None) -> None:
    """Hand orphaned updates to new pollers (at once, or after `countdown` seconds). Sent from a worker's start,
    where no transaction is open."""
    send_now(tasknames.RESUME_UPDATE_POLLS, countdown=countdown)


def _fill_if_cold(cache: RedisSnapshot, cold: bool, task: str) -> bool:
    """The one rule for a cold cache: unless it is warm or being filled now, the first caller asks `task` to fill it
    (the others find it asked). True when this call asked."""
    if not cold or cache.lock().held():
        return False
    return request_fill_once(cache.asked, task, on_demand=True)


def refresh_statuses_if_cold(cache: StatusCache) -> bool:
    """On a cold status cache, ask for one refresh cycle. True when this call asked."""
    return _fill_if_cold(cache, cache.is_cold(), tasknames.REFRESH_DEPLOYMENTS)


def sample_nodes_if_cold(cache: NodeStatusCache, views: list[NodeView] | None = None) -> bool:
    """On a cold node cache (`views`: its views if already read), ask for one sampling. True when this call asked."""
    return _fill_if_cold(cache, cache.is_cold(views), tasknames.SAMPLE_API_NODES)
