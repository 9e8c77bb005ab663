"""/healthz, /readyz with a real beat and worker, /metrics behind its token, and what upstream calls leave behind:
their metrics, their contact time and the request id they carry."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import requests

from deployer_ui.node_sampling import sample_all
from deployer_ui.refresh import refresh_all
from portal.lib import liveness, upstream
from tests.conftest import ROOT, worker_env


def test_healthz_answers_without_database_redis_or_upstreams(client, settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    response = client.get("/healthz")  # no `db` fixture: touching the database would fail the test
    assert response.status_code == 200 and response.json() == {"ok": True}


def test_readyz_is_503_without_beat_and_worker_and_names_them(client, db):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["ready"] is False
    assert body["database"]["ok"] and body["redis"]["ok"]
    assert body["beat"] == {"ok": False, "age_seconds": None}
    assert body["worker"] == {"ok": False, "age_seconds": None}


def test_readyz_is_503_when_redis_cannot_be_reached(client, db, settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["redis"]["ok"] is False and response.json()["database"]["ok"] is True


@pytest.mark.worker
def test_readyz_is_200_once_a_real_beat_ticks_and_a_worker_runs_the_tick(client, celery_worker, tmp_path):
    env = {**worker_env(), "PORTAL_BEAT_TICK_SECONDS": "1"}
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "beat", "--loglevel", "INFO",
         "--schedule", str(tmp_path / "beat-schedule")],
        cwd=ROOT, env=env, stdout=open(tmp_path / "beat.log", "ab"), stderr=subprocess.STDOUT,  # noqa: SIM115
    )
    try:
        deadline = time.monotonic() + 45
        response = client.get("/readyz")
        while response.status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
            response = client.get("/readyz")
        body = response.json()
        assert response.status_code == 200, (body, (tmp_path / "beat.log").read_text()[-2000:])
        assert body["beat"]["ok"] and body["worker"]["ok"]
    finally:
        beat.terminate()
        beat.wait(timeout=15)


def test_readyz_reports_each_upstreams_last_contact(sandbox, login, reviewer, client):
    login(reviewer).get("/")
    liveness.flush_now()
    upstreams = client.get("/readyz").json()["upstreams"]
    assert upstreams["Govern"]["last_contact_age_seconds"] is not None
    assert upstreams["Govern"]["last_contact_age_seconds"] < 60


def test_metrics_are_refused_without_token_from_an_outside_address(client, db, settings):
    settings.PORTAL_METRICS_TOKEN = "scrape-secret"
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5").status_code == 403
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 403


def test_metrics_count_requests_and_upstream_calls_by_operation(sandbox, login, reviewer, client, settings):
    settings.PORTAL_METRICS_TOKEN = "scrape-secret"
    login(reviewer).get("/governance/artifacts/")
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'portal_http_requests_total{method="GET",status="2xx",view="govern_ui:artifact_list"}' in text
    assert 'portal_upstream_calls_total{operation="GET /artifacts",outcome="ok",upstream="Govern"}' in text
    assert 'portal_upstream_call_seconds_bucket{le="0.5",operation="GET /artifacts",upstream="Govern"}' in text


def test_metrics_answer_an_allowed_address_without_token(client, db, settings):
    settings.PORTAL_METRICS_ALLOW = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_upstream_calls_carry_the_pages_request_id(sandbox, login, reviewer):
    sent: list[str] = []

    def remember(response: requests.Response) -> None:
        sent.append(response.request.headers.get("X-Request-ID", ""))

    upstream.response_hooks.append(remember)
    try:
        response = login(reviewer).get("/governance/artifacts/", HTTP_X_REQUEST_ID="trace-0123456789")
    finally:
        upstream.response_hooks.remove(remember)
    assert response["X-Request-ID"] == "trace-0123456789"
    assert sent and set(sent) == {"trace-0123456789"}


def test_metrics_show_the_gauges_apps_registered(sandbox, client, db, settings):
    settings.PORTAL_METRICS_TOKEN = "scrape-secret"
    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret").content.decode()
    assert "portal_updates_in_flight 0.0" in text
    assert "portal_pending_review_actions 0.0" in text


def test_readyz_reports_cache_ages_once_caches_are_filled(sandbox, client, db):
    assert client.get("/readyz").json()["cache_ages_seconds"].get("deployment-status") is None
    refresh_all()
    sample_all()
    ages = client.get("/readyz").json()["cache_ages_seconds"]
    assert 0 <= ages["deployment-status"] < 60
    assert 0 <= ages["api-node:apinode-a"] < 60
