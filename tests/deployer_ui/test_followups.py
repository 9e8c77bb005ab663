"""Retry, roll back and redeploy, end to end over HTTP against the sandbox with a real worker: each update keeps the
bundles it deployed across later updates, a failed update is retried or rolled back to success, and the bad inputs
(a bundle deleted since, a second retry while one runs) change nothing."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from deployer_ui import updates
from deployer_ui.client import get_client
from deployer_ui.models import DeploymentUpdate
from deployer_ui.status_cache import StatusCache
from portal.audit.models import AuditEvent
from portal.lib.errors import Refused
from tests.deployer_ui.conftest import wait_finished, wait_for

pytestmark = pytest.mark.worker
Kind, Outcome = DeploymentUpdate.Kind, DeploymentUpdate.Outcome
DEPLOYMENT = "churn-dev"
SAVE_SETTINGS = "PUT /project-deployer/deployments/{deploymentId}/settings"
UPDATE = "POST /project-deployer/deployments/{deploymentId}/actions/update"


def _bundles(deployment_id: str = DEPLOYMENT) -> tuple[str, str]:
    """The bundle the deployment's settings name now, and another bundle of its project."""
    current = get_client().get_deployment_settings(deployment_id).bundle_id
    other = next(b.id for b in get_client().get_deployment(deployment_id).packages if b.id != current)
    return current, other


def _settings_bundle(deployment_id: str = DEPLOYMENT) -> str:
    return get_client().get_deployment_settings(deployment_id).bundle_id


def _newest() -> DeploymentUpdate:
    return DeploymentUpdate.objects.order_by("-pk").first()


def _update(client) -> DeploymentUpdate:
    assert client.post(reverse("deployer_ui:update_start", args=[DEPLOYMENT]), {"confirm": "yes"}).status_code == 302
    return wait_finished(_newest().pk)


def _deploy(client, bundle: str) -> tuple[DeploymentUpdate, str]:
    """Deploy `bundle` through the page; returns the finished update and the update page the operator landed on."""
    page = client.post(reverse("deployer_ui:deploy_bundle", args=[DEPLOYMENT]), {"bundle": bundle, "confirm": "yes"},
                       follow=True)
    assert page.status_code == 200 and page.redirect_chain[-1][0].startswith("/deployments/updates/")
    return wait_finished(_newest().pk), page.content.decode()


def _token(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.content[:300]
    return re.search(r'name="token" value="([^"]+)"', page.content.decode()).group(1)


def _follow_up(client, name: str, origin: DeploymentUpdate) -> DeploymentUpdate:
    """Confirm and start a follow-up (`update_retry`, `update_rollback`, `update_redeploy`) from the pages; returns
    it finished."""
    url = reverse(f"deployer_ui:{name}", args=[origin.pk])
    response = client.post(url, {"token": _token(client, url)})
    assert response.status_code == 302
    new = _newest()
    assert response.url == reverse("deployer_ui:update", args=[new.pk]) and new.origin_id == origin.pk
    return wait_finished(new.pk)


def _message(client) -> str:
    html = client.get(reverse("deployer_ui:deployment", args=[DEPLOYMENT])).content.decode()
    return " ".join(re.findall(r'<li class="msg-error">(.*?)</li>', html))


def _history(client) -> list[str]:
    html = client.get(reverse("deployer_ui:deployment", args=[DEPLOYMENT])).content.decode()
    cells = re.findall(r'data-testid="history-bundle">(.*?)</td>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", cell).split()) for cell in cells]


def test_each_update_keeps_the_bundles_it_deployed_across_later_updates(worker, short_futures, login, operator):
    client = login(operator)
    first_bundle, second_bundle = _bundles()
    plain = _update(client)
    switched, _ = _deploy(client, second_bundle)
    assert (plain.previous_bundle_id, plain.bundle_id, plain.kind) == (first_bundle, first_bundle, Kind.UPDATE)
    assert (switched.previous_bundle_id, switched.bundle_id) == (first_bundle, second_bundle)
    assert _history(client) == [f"{first_bundle} → {second_bundle}", first_bundle]
    page = client.get(reverse("deployer_ui:deployment", args=[DEPLOYMENT])).content.decode()
    assert "(current)" not in page
    first_page = client.get(reverse("deployer_ui:update", args=[plain.pk])).content.decode()
    assert re.search(rf'data-testid="update-bundle"><strong>{first_bundle}</strong> \(unchanged\)', first_page)

    # The history offers the earlier bundle again (Argo CD's rollback), through the same settings-then-update path.
    assert f'href="/deployments/updates/{plain.pk}/redeploy/"' in page
    back = _follow_up(client, "update_redeploy", plain)
    assert (back.kind, back.outcome, back.previous_bundle_id, back.bundle_id) == (
        Kind.REDEPLOY, Outcome.SUCCESS, second_bundle, first_bundle)
    assert _settings_bundle() == first_bundle
    assert _history(client) == [f"{second_bundle} → {first_bundle}", f"{first_bundle} → {second_bundle}", first_bundle]

    api = client.get(reverse("deployer_ui_api:updates"), {"deployment": DEPLOYMENT}).json()["results"]
    assert [(u["kind"], u["previous_bundle_id"], u["bundle_id"], u["origin_update_id"], u["started_by"])
            for u in api] == [("redeploy", second_bundle, first_bundle, plain.pk, "dave"),
                              ("deploy_bundle", first_bundle, second_bundle, None, "dave"),
                              ("update", first_bundle, first_bundle, None, "dave")]
    started = AuditEvent.objects.filter(outcome="started").order_by("id")
    assert [(e.action, e.input["previous_bundle_id"], e.input["bundle_id"]) for e in started] == [
        ("deployment.update", first_bundle, first_bundle), ("deployment.deploy_bundle", first_bundle, second_bundle),
        ("deployment.redeploy", second_bundle, first_bundle)]
    finished = AuditEvent.objects.filter(action="deployment.update.finish").order_by("id")
    assert [e.input["bundle_id"] for e in finished] == [first_bundle, second_bundle, first_bundle]


def test_a_failed_update_is_retried_to_success(worker, short_futures, login, operator):
    client = login(operator)
    good, bad = _bundles()
    short_futures.config(failing_bundles=[bad])
    failed, landed = _deploy(client, bad)
    assert failed.outcome == Outcome.ERROR
    assert "msg-success" not in landed  # no green "started" message above the outcome
    page = client.get(reverse("deployer_ui:update", args=[failed.pk])).content.decode()
    assert "msg-success" not in page and 'data-testid="outcome"' in page
    assert 'data-testid="retry"' in page and f"Roll back to {good}" in page

    short_futures.config(failing_bundles=[])  # whatever made it fail has been fixed
    retried = _follow_up(client, "update_retry", failed)
    assert (retried.kind, retried.outcome, retried.bundle_id, retried.previous_bundle_id) == (
        Kind.RETRY, Outcome.SUCCESS, bad, bad)
    assert _settings_bundle() == bad
    page = client.get(reverse("deployer_ui:update", args=[failed.pk])).content.decode()
    assert 'data-testid="followed-by"' in page and 'data-testid="retry"' not in page
    event = AuditEvent.objects.get(action="deployment.retry")
    assert event.outcome == "started" and event.input["origin_update_id"] == failed.pk


def test_a_failed_update_is_rolled_back_to_the_bundle_that_ran_before(worker, short_futures, login, operator):
    client = login(operator)
    good, bad = _bundles()
    short_futures.config(failing_bundles=[bad])
    failed, _ = _deploy(client, bad)
    assert failed.outcome == Outcome.ERROR
    confirm = client.get(reverse("deployer_ui:update_rollback", args=[failed.pk])).content.decode()
    assert f'data-testid="target-bundle"><strong>{good}</strong>' in confirm
    assert f"saved with bundle {good} (now {bad})" in confirm
    assert _settings_bundle() == bad  # nothing done before the confirmation

    rolled_back = _follow_up(client, "update_rollback", failed)
    assert (rolled_back.kind, rolled_back.outcome, rolled_back.previous_bundle_id, rolled_back.bundle_id) == (
        Kind.ROLLBACK, Outcome.SUCCESS, bad, good)
    assert _settings_bundle() == good
    wait_for(lambda: (v := StatusCache().view(DEPLOYMENT)) and v.health == "HEALTHY" and v.bundle_id == good)
    events = AuditEvent.objects.filter(input__update_id=rolled_back.pk).order_by("id")
    assert [(e.action, e.outcome, e.input["bundle_id"]) for e in events] == [
        ("deployment.rollback", "started", good), ("deployment.update.finish", "success", good)]


def test_rolling_back_to_a_bundle_deleted_since_is_refused_and_changes_nothing(worker, short_futures, login,
                                                                               operator):
    client = login(operator)
    deployer = get_client()
    deployer.upload_bundle("/exports/CHURN/v98.zip")
    deployer.upload_bundle("/exports/CHURN/v99.zip")
    short_futures.config(failing_bundles=["v98", "v99"])
    assert _deploy(client, "v98")[0].outcome == Outcome.ERROR
    failed, _ = _deploy(client, "v99")
    assert failed.outcome == Outcome.ERROR and failed.previous_bundle_id == "v98"
    url = reverse("deployer_ui:update_rollback", args=[failed.pk])
    token = _token(client, url)  # the operator opened the confirmation page…
    deployer.delete_bundle("CHURN", "v98")  # …and meanwhile the bundle (which never ran) was deleted
    short_futures.reset_stats()
    records = DeploymentUpdate.objects.count()

    assert client.post(url, {"token": token}).url == reverse("deployer_ui:update", args=[failed.pk])
    assert "Bundle v98 no longer exists in project CHURN" in _message(client)
    assert client.get(url).status_code == 302  # the confirmation page itself now refuses
    assert "Bundle v98 no longer exists" in _message(client)
    api = client.post(reverse("deployer_ui_api:update_rollback", args=[failed.pk]))
    assert api.status_code == 409 and "no longer exists" in api.json()["detail"]
    assert DeploymentUpdate.objects.count() == records and _settings_bundle() == "v99"
    calls = short_futures.stats()["dss"]
    assert not calls.get(SAVE_SETTINGS) and not calls.get(UPDATE)
    assert not AuditEvent.objects.filter(action="deployment.rollback").exists()


def test_a_second_retry_while_one_runs_is_refused_and_changes_nothing(worker, short_futures, login, operator):
    client = login(operator)
    _, bad = _bundles()
    short_futures.config(failing_bundles=[bad])
    failed, _ = _deploy(client, bad)
    short_futures.config(failing_bundles=[], future_seconds=30)
    url = reverse("deployer_ui:update_retry", args=[failed.pk])
    first, second = _token(client, url), _token(client, url)  # two tabs, both confirmed
    short_futures.reset_stats()

    assert client.post(url, {"token": first}).status_code == 302
    running = _newest()
    assert running.kind == Kind.RETRY and not running.finished
    assert client.post(url, {"token": second}).url == reverse("deployer_ui:update", args=[failed.pk])
    assert f"An update of {DEPLOYMENT} is already running (#{running.pk})" in _message(client)
    # The database decides a race that slips past the page's own check: the one-active-update constraint.
    with pytest.raises(Refused, match="already running"):
        updates.start_update(user=operator, deployment_id=DEPLOYMENT, bundle_id=bad, kind=Kind.RETRY, origin=failed)
    assert DeploymentUpdate.objects.filter(kind=Kind.RETRY).count() == 1
    assert short_futures.stats()["dss"].get(UPDATE) == 1
    assert AuditEvent.objects.filter(action="deployment.retry").count() == 1
    client.post(reverse("deployer_ui:update_abort", args=[running.pk]), {"confirm": "yes"})
    assert wait_finished(running.pk).outcome == Outcome.ABORTED
