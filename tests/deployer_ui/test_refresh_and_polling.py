"""The refresh lock and request budget, the poll lease, the sparkline's safety, and the update API (in-process)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from deployer_ui import updates
from deployer_ui.models import DeploymentUpdate
from deployer_ui.refresh import refresh_all
from deployer_ui.status_cache import StatusCache
from portal.lib.ratelimit import TokenBucket
from portal.lib.sparkline import sparkline
from sandbox.seed import DEFAULT_DEPLOYMENT_COUNT

STATUS_CALL = "GET /project-deployer/deployments/{deploymentId}/status"


def test_a_second_refresh_is_skipped_while_one_holds_the_lock(sandbox):
    lock = StatusCache().lock()
    token = lock.acquire()
    assert refresh_all() == {"skipped": "running"}
    assert sandbox.stats().get("dss", {}).get(STATUS_CALL, 0) == 0
    lock.release(token)
    assert refresh_all()["ok"] is True


def test_on_demand_refresh_does_nothing_on_a_warm_cache(warm_cache, sandbox):
    sandbox.reset_stats()
    assert refresh_all(on_demand=True) == {"skipped": "warm"}
    assert not any(sandbox.stats().get("dss", {}).values())


@pytest.mark.unit
def test_the_request_budget_spreads_calls_over_time():
    bucket = TokenBucket(rate=50, capacity=1)
    started = time.monotonic()
    for _ in range(11):
        bucket.acquire()
    assert time.monotonic() - started >= 10 / 50 * 0.9
    assert TokenBucket(rate=1, capacity=1).acquire(timeout=0) is True


def test_refresh_respects_the_budget_setting(sandbox, settings):
    settings.DEPLOYER_REQUESTS_PER_SECOND = 40.0
    started = time.monotonic()
    assert refresh_all()["count"] == DEFAULT_DEPLOYMENT_COUNT
    calls = 2 + DEFAULT_DEPLOYMENT_COUNT  # list, stages, one status per deployment
    # 16 calls at 40/s with a burst of 40 cannot be throttled below zero: it simply ran
    assert time.monotonic() - started >= 0
    settings.DEPLOYER_REQUESTS_PER_SECOND = 8.0
    started = time.monotonic()
    refresh_all()
    assert time.monotonic() - started >= (calls - 8) / 8.0 * 0.9  # the cycle lengthened instead of flooding


def test_a_live_lease_keeps_a_second_poller_out(db, sandbox):
    update = DeploymentUpdate.objects.create(deployment_id="churn-dev", job_id="j1", state="running",
                                             lease_owner="other", lease_until=timezone.now() + timedelta(minutes=1))
    assert updates.poll_update(update.pk) == "not-claimed"
    assert updates.resumable_updates() == []
    DeploymentUpdate.objects.filter(pk=update.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert updates.resumable_updates() == [update.pk]


def test_polling_an_unknown_future_ends_as_unknown(db, sandbox):
    update = DeploymentUpdate.objects.create(deployment_id="churn-dev", job_id="gone", state="running")
    assert updates.poll_update(update.pk, sleep=lambda s: None) == "unknown"
    update.refresh_from_db()
    assert update.finished and update.outcome == "unknown" and "no longer knows" in update.error_message


def test_polling_follows_a_future_in_process(db, short_futures, operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():  # the worker is not running here: poll in this process instead
        update = updates.start_update(user=operator, deployment_id="pricing-test")
    assert update.state == "running" and update.job_id
    assert updates.poll_update(update.pk) == "success"
    update.refresh_from_db()
    assert update.outcome == "success" and update.lease_until is None


@pytest.mark.unit
def test_sparkline_contains_only_numbers_and_escaped_label():
    svg = str(sparkline([1, 2, None, 4, 5, float("nan")], label='<script>"x"</script>'))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count("<polyline") == 2  # the gap splits the line
    assert "not enough samples" in str(sparkline([5], label="Requests"))


def test_update_api_starts_lists_and_aborts(login, operator, sandbox, django_capture_on_commit_callbacks):
    sandbox.config(future_seconds=30)
    client = login(operator)
    with django_capture_on_commit_callbacks():
        created = client.post(reverse("deployer_ui_api:updates"), {"deployment_id": "churn-prod"},
                              content_type="application/json")
    assert created.status_code == 202 and created.json()["state"] == "running"
    again = client.post(reverse("deployer_ui_api:updates"), {"deployment_id": "churn-prod"},
                        content_type="application/json")
    assert again.status_code == 409
    listed = client.get(reverse("deployer_ui_api:updates"), {"deployment": "churn-prod"}).json()
    assert listed["count"] == 1 and listed["results"][0]["requester_username"] == "dave"
    pk = created.json()["id"]
    assert client.post(reverse("deployer_ui_api:update_abort", args=[pk])).status_code == 202
    assert updates.poll_update(pk, sleep=lambda s: None) == "aborted"
    assert client.get(reverse("deployer_ui_api:update", args=[pk])).json()["outcome"] == "aborted"
    bad = client.post(reverse("deployer_ui_api:updates"), {"deployment_id": "churn-prod", "bundle_id": "v404"},
                      content_type="application/json")
    assert bad.status_code == 409 and "not a bundle" in bad.json()["detail"]
