"""While an update runs, with a real worker: its tile says "updating N%" (from the database, no Deployer call), the
deployment page and the running tasks refresh themselves and name the person who started it, and every screen stops
polling (HTTP 286) once nothing runs."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from deployer_ui.models import DeploymentUpdate
from deployer_ui.status_cache import StatusCache
from portal.lib.web import STOP_POLLING
from tests.deployer_ui.conftest import wait_finished, wait_for

pytestmark = pytest.mark.worker
DEPLOYMENT = "churn-test"


def _tile(html: str, deployment_id: str) -> str:
    return re.search(rf'<li [^>]*data-deployment="{deployment_id}">.*?</li>', html, re.S).group(0)


def test_a_running_update_shows_on_its_tile_and_the_pages_refresh_until_it_ends(worker, sandbox, warm_cache, login,
                                                                                operator):
    sandbox.config(future_seconds=6)
    client = login(operator)
    client.post(reverse("deployer_ui:update_start", args=[DEPLOYMENT]), {"confirm": "yes"})
    update = DeploymentUpdate.objects.get(deployment_id=DEPLOYMENT)
    wait_for(lambda: (u := DeploymentUpdate.objects.get(pk=update.pk)).poll_count >= 1 and u.progress_percent)
    percent = DeploymentUpdate.objects.get(pk=update.pk).progress_percent

    sandbox.reset_stats()
    dashboard = client.get(reverse("deployer_ui:dashboard"), HTTP_HX_REQUEST="true").content.decode()
    tile = _tile(dashboard, DEPLOYMENT)
    assert re.search(rf'data-testid="updating">updating {percent}%', tile)
    assert f'href="/deployments/updates/{update.pk}/"' in tile
    assert 'data-testid="updating"' not in _tile(dashboard, "churn-prod")
    live = client.get(reverse("deployer_ui:deployment_live", args=[DEPLOYMENT]), HTTP_HX_REQUEST="true")
    assert live.status_code == 200 and 'hx-trigger="every 2s"' in live.content.decode()
    assert 'data-testid="running-update"' in live.content.decode()
    assert 'id="deployment-health"' in live.content.decode() and 'hx-swap-oob="true"' in live.content.decode()
    assert not any(sandbox.stats()["dss"].values())  # the tile and the live page cost the Deployer nothing

    tasks = client.get(reverse("deployer_ui:tasks"), HTTP_HX_REQUEST="true")
    html = tasks.content.decode()
    assert tasks.status_code == 200 and "<html" not in html and 'hx-trigger="every 2s"' in html
    owner = re.search(r'data-testid="task-owner">(.*?)</td>', html, re.S).group(1)
    assert owner.startswith("dave ") and "on the Deployer" in owner  # the person, then the upstream account
    assert f"Update #{update.pk} of {DEPLOYMENT}" in html

    done = wait_finished(update.pk)
    wait_for(lambda: (v := StatusCache().view(DEPLOYMENT)) and v.fetched_at and v.fetched_at >= done.finished_at)
    live = client.get(reverse("deployer_ui:deployment_live", args=[DEPLOYMENT]), HTTP_HX_REQUEST="true")
    assert live.status_code == STOP_POLLING
    assert "hx-trigger" not in live.content.decode() and 'data-testid="running-update"' not in live.content.decode()
    tasks = client.get(reverse("deployer_ui:tasks"), HTTP_HX_REQUEST="true")
    assert tasks.status_code == STOP_POLLING and "No task is running" in tasks.content.decode()
    dashboard = client.get(reverse("deployer_ui:dashboard"), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="updating"' not in dashboard
    page = client.get(reverse("deployer_ui:deployment", args=[DEPLOYMENT])).content.decode()
    assert 'data-polling="false"' in page and 'hx-get="/deployments/d/churn-test/live/"' not in page
