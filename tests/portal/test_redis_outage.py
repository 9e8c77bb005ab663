"""Redis stalled (SIGSTOP: it accepts connections and never answers) or stopped, against a real gunicorn, the sandbox
and a real worker: pages answer within 3 s with a banner, an action within 5 s saying it is recorded and will be
followed, and once Redis and a worker are back the pending work is done exactly once."""

from __future__ import annotations

import re
import time

import pytest
import requests
from django.conf import settings
from django.test import Client
from kombu import Connection

from deployer_ui.models import DeploymentUpdate
from govern_ui.models import ReviewAction
from portal import tasknames
from portal.audit.models import AuditEvent
from portal.celery import app
from tests.conftest import worker_env
from tests.deployer_ui.conftest import wait_finished, wait_for
from tests.govern_ui.helpers import action_url, find_step
from tests.portal_process import PortalProcess

pytestmark = pytest.mark.worker

PAGE_BOUND = 3.0
ACTION_BOUND = 5.0
UPDATE_POST = "POST /project-deployer/deployments/{deploymentId}/actions/update"
PAGES = ["/", "/deployments/", "/deployments/d/churn-dev/", "/deployments/api-nodes/", "/deployments/tasks/",
         "/governance/queue/", "/governance/artifacts/", "/governance/actions/", "/wall/", "/audit/"]


@pytest.fixture
def web(private_redis, celery_worker_factory, sandbox, tmp_path, monkeypatch, settings):
    """A gunicorn web process whose Redis (cache and broker) is `private_redis`; workers started by the test use it
    too. This test process keeps the run's own Redis."""
    monkeypatch.setenv("REDIS_URL", private_redis.url)
    monkeypatch.setenv("CELERY_BROKER_URL", private_redis.broker_url)
    server = PortalProcess(worker_env(), tmp_path / "gunicorn.log").start()
    yield server
    server.stop()


def _session(web, user) -> requests.Session:
    client = Client()
    client.force_login(user)  # the session is in the database both processes share
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value, domain="127.0.0.1")
    return session


def _timed(call):
    start = time.monotonic()
    response = call()
    return response, time.monotonic() - start


def _form_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def _pages_answer_in_time_with_a_banner(session, web) -> dict[str, float]:
    times = {}
    for path in PAGES:
        response, took = _timed(lambda p=path: session.get(web.url(p), timeout=30))
        times[path] = round(took, 2)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        if path != "/wall/":  # the wall has its own "workers stopped" banner, driven by its feed
            assert 'data-testid="redis-banner"' in response.text, path
    assert max(times.values()) < PAGE_BOUND, times
    return times


def test_an_update_and_pages_under_a_stalled_redis_then_the_update_is_followed_once_it_returns(
        web, private_redis, celery_worker_factory, sandbox, everyone):
    session = _session(web, everyone)
    path = "/deployments/d/churn-test/update/"
    form = session.get(web.url(path), timeout=30)
    assert 'data-testid="redis-banner"' not in form.text
    private_redis.freeze()
    # The action first, while the web process still believes Redis is up: it pays the timeouts itself.
    response, took = _timed(lambda: session.post(
        web.url(path), timeout=30, allow_redirects=False, headers={"Referer": web.url(path)},
        data={"csrfmiddlewaretoken": _form_token(form.text), "confirm": "yes"}))
    print(f"start update, first request after Redis stalled: {took:.2f}s")
    assert response.status_code == 302 and took < ACTION_BOUND
    page = session.get(web.url(response.headers["Location"]), timeout=30).text
    assert "will be followed once they can be" in page
    update = DeploymentUpdate.objects.get(deployment_id="churn-test")
    assert update.state == "running" and not update.lease_owner  # recorded, nobody polls it yet
    assert sandbox.stats()["dss"][UPDATE_POST] == 1
    times = _pages_answer_in_time_with_a_banner(session, web)
    print("page seconds with Redis stalled:", times)
    time.sleep(settings.REDIS_BREAKER_SECONDS + 0.2)  # the next page probes Redis again, and pays its timeout
    response, took = _timed(lambda: session.get(web.url("/deployments/"), timeout=30))
    print(f"dashboard probing the stalled Redis: {took:.2f}s")
    assert took < PAGE_BOUND and 'data-testid="redis-banner"' in response.text

    private_redis.thaw()
    celery_worker_factory("w1")  # a worker that starts resumes the updates nobody follows (as beat's sweep does)
    done = wait_finished(update.pk, timeout=40)
    assert done.outcome == "success"
    assert sandbox.stats()["dss"][UPDATE_POST] == 1
    assert AuditEvent.objects.filter(action="deployment.update.finish", target_id="churn-test").count() == 1
    wait_for(lambda: 'data-testid="redis-banner"' not in session.get(web.url("/deployments/"), timeout=30).text,
             timeout=15)


def test_a_review_sent_while_redis_is_stalled_and_govern_down_is_delivered_once_both_return(
        web, private_redis, celery_worker_factory, sandbox, faults, reviewer):
    art, step = find_step(sandbox.summary(), "NOT_STARTED", required=1)
    session = _session(web, reviewer)
    path = action_url(art, step, "approve")
    form = session.get(web.url(path), timeout=30).text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1)
    faults(target="govern", down=True)
    private_redis.freeze()
    response, took = _timed(lambda: session.post(
        web.url(path), timeout=30, allow_redirects=False, headers={"Referer": web.url(path)},
        data={"csrfmiddlewaretoken": _form_token(form), "idempotency_key": key, "confirm": "1",
              "comment": "sent during the outage"}))
    print(f"review with Redis stalled and Govern down: {took:.2f}s")
    assert response.status_code == 302 and took < ACTION_BOUND
    assert "will be followed once they can be" in session.get(web.url(response.headers["Location"]), timeout=30).text
    action = ReviewAction.objects.get()
    assert action.state == "pending"

    sandbox.knobs(target="govern", down=False)
    private_redis.thaw()
    sandbox.reset_stats()
    celery_worker_factory("w1")
    ReviewAction.objects.filter(pk=action.pk).update(next_attempt_at=None)  # due now rather than after the backoff
    with Connection(private_redis.broker_url) as broker:  # what beat sends every GOVERN_DELIVERY_SWEEP_SECONDS
        app.send_task(tasknames.DELIVER_PENDING_ACTIONS, connection=broker)
    wait_for(lambda: ReviewAction.objects.get(pk=action.pk).state == "delivered", timeout=30)
    posts = {k: v for k, v in sandbox.stats().get("govern", {}).items() if k.startswith("POST")}
    assert sum(posts.values()) == 1, posts


def test_pages_under_a_stopped_redis_answer_in_time_with_a_banner(web, private_redis, everyone):
    session = _session(web, everyone)
    private_redis.stop()
    times = _pages_answer_in_time_with_a_banner(session, web)
    print("page seconds with Redis stopped:", times)
    ready, took = _timed(lambda: requests.get(web.url("/readyz"), timeout=30))
    assert ready.status_code == 503 and took < PAGE_BOUND  # the load balancer is told, in time
