"""The deployment page: cached health, live settings and bundles, and the update history, whose live part refreshes
itself while an update runs.

The live part (`live_part`) reads only the database and the status cache, so a screen left open on a running update
costs the Deployer nothing; the rest of the page reads the Deployer once per view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from deployer_ui import enqueue, followups, updates
from deployer_ui.client import Deployment, DeploymentSettings, get_client
from deployer_ui.followups import HistoryRow
from deployer_ui.models import DeploymentUpdate
from deployer_ui.status_cache import StatusCache, StatusView
from portal.lib.upstream import UpstreamError, UpstreamNotFound

# After an update ends, its poller re-reads the deployment's status into the cache: the page keeps refreshing until
# that read is in (at most this long), so the health it shows is the one after the update.
SETTLE_SECONDS = 15


@dataclass
class DeploymentLive:
    """The part of the page that refreshes itself: health (cached), the running update and the history."""

    id: str
    status: StatusView | None
    history: list[HistoryRow]
    active_update: DeploymentUpdate | None
    current_bundle: str
    polling: bool  # something is running (or has just ended): the page asks again


def _settling(history: list[HistoryRow], status: StatusView | None) -> bool:
    """The newest update ended moments ago and the cached status was not re-read since."""
    if not history or not history[0].update.finished_at:
        return False
    ended = history[0].update.finished_at
    if timezone.now() - ended > timedelta(seconds=SETTLE_SECONDS):
        return False
    return status is None or status.fetched_at is None or status.fetched_at < ended


def live_part(deployment_id: str, *, status: StatusView | None = None, current_bundle: str | None = None,
              bundles: list[str] | None = None) -> DeploymentLive:
    """The live part of the page, from the database and the status cache only. `current_bundle` and `bundles` come
    from a live read when the whole page is drawn; a refresh takes the bundle from the cache."""
    status = status if status is not None else StatusCache().view(deployment_id)
    current = current_bundle if current_bundle is not None else (status.bundle_id if status else "")
    rows = followups.history(deployment_id, current_bundle=current, bundles=bundles)
    active = next((row.update for row in rows if row.update.state in DeploymentUpdate.ACTIVE_STATES), None)
    return DeploymentLive(id=deployment_id, status=status, history=rows, active_update=active,
                          current_bundle=current, polling=active is not None or _settling(rows, status))


@dataclass
class DeploymentDetail:
    id: str
    live: DeploymentLive
    deployment: Deployment | None = None
    settings: DeploymentSettings | None = None
    upstream_error: str = ""

    @property
    def status(self) -> StatusView | None:
        return self.live.status


def deployment_detail(deployment_id: str) -> DeploymentDetail:
    """The cached status plus live deployment info, settings and bundles (best effort: a Deployer failure is kept in
    `upstream_error` while the cache knows the deployment), and the history. Raises `UpstreamNotFound` when neither
    the cache nor the Deployer knows the id, and `UpstreamError` when the Deployer fails and the cache has nothing."""
    cache = StatusCache()
    status = cache.view(deployment_id)
    if status is None:
        enqueue.refresh_statuses_if_cold(cache)
    deployment = settings = None
    upstream_error = ""
    client = get_client()
    try:
        deployment = client.get_deployment(deployment_id)
        settings = client.get_deployment_settings(deployment_id)
    except UpstreamNotFound:
        raise
    except UpstreamError as exc:
        if status is None:
            raise
        upstream_error = updates.upstream_text(exc)
    live = live_part(deployment_id, status=status, current_bundle=settings.bundle_id if settings else None,
                     bundles=updates.bundle_choices(deployment) if deployment else None)
    return DeploymentDetail(id=deployment_id, live=live, deployment=deployment, settings=settings,
                            upstream_error=upstream_error)
