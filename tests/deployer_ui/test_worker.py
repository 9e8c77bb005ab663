"""End-to-end with a real Celery worker over the real Redis broker: refresh to cache, updates followed to their end,
abort, a worker killed mid-poll, and a hundred concurrent dashboard reads."""

from __future__ import annotations

import contextlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from deployer_ui.client import get_client
from deployer_ui.models import DeploymentUpdate
from deployer_ui.status_cache import StatusCache
from portal import tasknames
from portal.audit.models import AuditEvent
from portal.lib.tasks import send_now
from sandbox.seed import DEFAULT_DEPLOYMENT_COUNT
from tests.deployer_ui.conftest import STAGE_ORDER, wait_finished, wait_for

pytestmark = pytest.mark.worker
STATUS_CALL = "GET /project-deployer/deployments/{deploymentId}/status"
LIST_CALL = "GET /project-deployer/deployments"


def _deployer(sandbox) -> dict:
    return sandbox.stats().get("dss", {})


def _start(client, deployment_id, **data):
    response = client.post(reverse("deployer_ui:update_start", args=[deployment_id]), {"confirm": "yes", **data})
    assert response.status_code == 302, response.content[:500]
    return DeploymentUpdate.objects.get(deployment_id=deployment_id)


def test_refresh_task_fills_the_cache(worker, sandbox):
    send_now(tasknames.REFRESH_DEPLOYMENTS)  # what beat sends
    views = wait_for(lambda: (v := StatusCache().all_views()) and all(not x.loading for x in v) and v)
    assert len(views) == DEFAULT_DEPLOYMENT_COUNT
    assert {v.health for v in views} >= {"HEALTHY", "ERROR"}
    assert all(v.age_seconds is not None and not v.stale for v in views)
    assert StatusCache().stage_order() == STAGE_ORDER
    assert _deployer(sandbox)[STATUS_CALL] == DEFAULT_DEPLOYMENT_COUNT


def test_update_followed_to_success(worker, short_futures, login, operator):
    client = login(operator)
    update = _start(client, "churn-dev")
    done = wait_finished(update.pk)
    assert done.outcome == "success" and done.progress_percent == 100
    assert [r["key"] for r in done.reports] == ["prepareSyncReport", "preloadReport", "activateCheckReport",
                                                "activateReport"]
    assert done.requester_username == "dave" and done.finished_at and done.poll_count >= 0
    # the cached status was refreshed as soon as the update ended
    wait_for(lambda: (v := StatusCache().view("churn-dev")) and v.health == "HEALTHY")
    page = client.get(reverse("deployer_ui:update_progress", args=[update.pk]), HTTP_HX_REQUEST="true")
    assert page.status_code == 286  # htmx stops polling
    assert page.content.decode().count('data-testid="report"') == 4
    history = client.get(reverse("deployer_ui:deployment", args=["churn-dev"])).content.decode()
    assert "dave" in history and "Success" in history
    assert list(AuditEvent.objects.filter(target_id="churn-dev").order_by("id").values_list("action", "outcome")) == [
        ("deployment.update", "started"), ("deployment.update.finish", "success")]


def test_update_followed_to_failure(worker, short_futures, login, operator):
    client = login(operator)
    update = _start(client, "credit-test-fails")
    done = wait_finished(update.pk)
    assert done.outcome == "error"
    activate = next(r for r in done.reports if r["key"] == "activateReport")
    assert activate["level"] == "error" and "Activation failed" in activate["messages"][0]["title"]
    html = client.get(reverse("deployer_ui:update", args=[update.pk])).content.decode()
    assert "Scenario activation failed" in html and "outcome-error" in html


def test_deploy_another_bundle_saves_settings_then_updates(worker, short_futures, login, operator):
    client = login(operator)
    current = get_client().get_deployment_settings("forecast-dev").bundle_id
    target = next(b.id for b in get_client().get_deployment("forecast-dev").packages if b.id != current)
    url = reverse("deployer_ui:deploy_bundle", args=["forecast-dev"])
    confirm = client.post(url, {"bundle": target})
    assert confirm.status_code == 200 and "Save and update" in confirm.content.decode()
    assert get_client().get_deployment_settings("forecast-dev").bundle_id == current  # not yet
    assert client.post(url, {"bundle": target, "confirm": "yes"}).status_code == 302
    done = wait_finished(DeploymentUpdate.objects.get(deployment_id="forecast-dev").pk)
    assert done.outcome == "success" and done.bundle_id == target and done.previous_bundle_id == current
    assert get_client().get_deployment_settings("forecast-dev").bundle_id == target


def test_abort_an_update(worker, sandbox, login, operator):
    sandbox.config(future_seconds=30)
    client = login(operator)
    update = _start(client, "reco-dev")
    wait_for(lambda: DeploymentUpdate.objects.get(pk=update.pk).poll_count >= 1)
    response = client.post(reverse("deployer_ui:update_abort", args=[update.pk]), {"confirm": "yes"})
    assert response.status_code == 302
    done = wait_finished(update.pk)
    assert done.outcome == "aborted" and done.abort_requested_by == "dave"
    assert AuditEvent.objects.filter(action="deployment.update.abort", outcome="requested").count() == 1


def test_double_submit_starts_one_update(worker, sandbox, login, operator):
    sandbox.config(future_seconds=5)
    client = login(operator)
    _start(client, "fraud-dev")
    client.post(reverse("deployer_ui:update_start", args=["fraud-dev"]), {"confirm": "yes"})
    assert DeploymentUpdate.objects.filter(deployment_id="fraud-dev").count() == 1
    assert _deployer(sandbox)["POST /project-deployer/deployments/{deploymentId}/actions/update"] == 1


def test_worker_killed_mid_poll_is_resumed_by_another(clean_broker, celery_worker_factory, sandbox, login, operator,
                                                      monkeypatch):
    monkeypatch.setenv("DEPLOYMENT_UPDATE_LEASE_SECONDS", "3")  # read by the worker subprocesses
    sandbox.config(future_seconds=8)
    first = celery_worker_factory("w1")
    client = login(operator)
    update = _start(client, "churn-test")
    wait_for(lambda: DeploymentUpdate.objects.get(pk=update.pk).poll_count >= 2)
    first.kill()
    polled = DeploymentUpdate.objects.get(pk=update.pk)
    assert not polled.finished and polled.lease_owner
    celery_worker_factory("w2")  # on start it resumes orphaned polls once the dead worker's lease has expired
    done = wait_finished(update.pk, timeout=40)
    assert done.outcome == "success" and len(done.reports) == 4
    assert done.lease_owner != polled.lease_owner  # another poller finished it
    assert DeploymentUpdate.objects.filter(deployment_id="churn-test").count() == 1
    assert AuditEvent.objects.filter(action="deployment.update.finish").count() == 1


def test_a_killed_pollers_update_is_taken_over_within_the_lease_plus_one_poll(
        clean_broker, celery_worker_factory, celery_beat, sandbox, login, operator, monkeypatch, settings):
    lease, poll = 3, 2.0
    monkeypatch.setenv("DEPLOYMENT_UPDATE_LEASE_SECONDS", str(lease))  # read by the worker and beat subprocesses
    monkeypatch.setenv("DEPLOYMENT_UPDATE_POLL_MAX_SECONDS", str(poll))
    sandbox.config(future_seconds=20)
    first = celery_worker_factory("w1")
    update = _start(login(operator), "churn-test")
    wait_for(lambda: DeploymentUpdate.objects.get(pk=update.pk).poll_count >= 1)
    celery_worker_factory("w2")
    celery_beat()
    time.sleep(lease + 1.5)  # w2's own start-up resume has come and gone: beat's sweep is what takes over
    polled = DeploymentUpdate.objects.get(pk=update.pk)
    assert polled.lease_owner and not polled.finished
    first.kill()
    killed_at = time.monotonic()
    wait_for(lambda: DeploymentUpdate.objects.get(pk=update.pk).lease_owner not in ("", polled.lease_owner),
             timeout=30, interval=0.05)
    takeover = time.monotonic() - killed_at
    print(f"takeover {takeover:.2f}s after the kill (lease {lease}s, poll interval {poll}s)")
    assert takeover < lease + poll + 1.0  # a second of slack for beat's and the broker's own scheduling
    done = wait_finished(update.pk, timeout=60)
    assert done.outcome == "success"
    dss = _deployer(sandbox)
    assert dss["POST /project-deployer/deployments/{deploymentId}/actions/update"] == 1
    assert AuditEvent.objects.filter(action="deployment.update.finish").count() == 1
    # One poller at a time: every read of the future was a renewal of the one lease, but the final read and a read
    # the killed poller made without living to renew.
    reads = sum(n for call, n in dss.items() if call.startswith("GET /futures"))
    assert 0 < reads <= done.poll_count + 2, (reads, done.poll_count, dss)


def test_hundred_concurrent_dashboard_reads_cause_one_refresh(worker, sandbox, operator):
    sandbox.reset_stats()
    clients = []
    for _ in range(100):
        c = Client()
        c.force_login(operator)
        clients.append(c)
    barrier = threading.Barrier(25)

    def read(c):
        try:
            with contextlib.suppress(threading.BrokenBarrierError):  # start together when possible
                barrier.wait(timeout=10)
            return c.get(reverse("deployer_ui:dashboard")).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=25) as pool:
        assert set(pool.map(read, clients)) == {200}
    wait_for(lambda: (v := StatusCache().all_views()) and all(not x.loading for x in v))
    wait_for(lambda: not StatusCache().lock().held())
    first = dict(_deployer(sandbox))
    assert first.get(LIST_CALL) == 1 and first.get(STATUS_CALL) == DEFAULT_DEPLOYMENT_COUNT

    with ThreadPoolExecutor(max_workers=25) as pool:
        assert set(pool.map(read, clients)) == {200}
    assert _deployer(sandbox).get(STATUS_CALL) == DEFAULT_DEPLOYMENT_COUNT and _deployer(sandbox).get(LIST_CALL) == 1
