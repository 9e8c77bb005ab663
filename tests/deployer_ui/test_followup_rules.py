"""Which follow-ups an update offers and which bundle each would deploy, from the portal's records alone (database, no
sandbox): retry and roll back on a failed or aborted update, the bundle that ran before, the history's redeploys."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from deployer_ui import followups
from deployer_ui.models import DeploymentUpdate
from portal.lib.errors import Refused

pytestmark = [pytest.mark.unit, pytest.mark.django_db]

Kind, Outcome, State = DeploymentUpdate.Kind, DeploymentUpdate.Outcome, DeploymentUpdate.State


def ended(outcome: str, before: str, after: str, *, deployment_id: str = "churn-dev", kind: str = Kind.UPDATE,
          origin: DeploymentUpdate | None = None) -> DeploymentUpdate:
    return DeploymentUpdate.objects.create(deployment_id=deployment_id, state=State.FINISHED, outcome=outcome,
                                           previous_bundle_id=before, bundle_id=after, kind=kind, origin=origin,
                                           job_id=f"job-{DeploymentUpdate.objects.count()}")


def test_a_failed_bundle_change_rolls_back_to_the_bundle_before_it():
    failed = ended(Outcome.ERROR, "v3", "v4", kind=Kind.DEPLOY_BUNDLE)
    assert followups.rollback_bundle(failed) == "v3"
    assert [(o.kind, o.bundle_id, o.button) for o in followups.offers(failed)] == [
        (Kind.RETRY, "v4", "Retry"), (Kind.ROLLBACK, "v3", "Roll back to v3")]


def test_a_failed_retry_still_rolls_back_to_the_bundle_before_the_update_it_retried():
    first = ended(Outcome.ERROR, "v3", "v4", kind=Kind.DEPLOY_BUNDLE)
    retry = ended(Outcome.ABORTED, "v4", "v4", kind=Kind.RETRY, origin=first)
    assert followups.rollback_bundle(retry) == "v3"


def test_a_failed_plain_update_rolls_back_to_the_last_bundle_that_succeeded_before_it():
    ended(Outcome.SUCCESS, "v1", "v2")
    ended(Outcome.SUCCESS, "v2", "v3", kind=Kind.DEPLOY_BUNDLE)
    ended(Outcome.SUCCESS, "v3", "v3")
    failed = ended(Outcome.ERROR, "v3", "v3")
    assert followups.rollback_bundle(failed) == "v2"


def test_without_an_earlier_bundle_only_retry_is_offered():
    failed = ended(Outcome.ERROR, "v2", "v2", deployment_id="pricing-prod-fails")
    assert [o.kind for o in followups.offers(failed)] == [Kind.RETRY]
    with pytest.raises(Refused, match="nothing to roll back to"):
        followups.plan(failed, Kind.ROLLBACK)


@pytest.mark.parametrize("outcome", [Outcome.SUCCESS, Outcome.WARNING, Outcome.UNKNOWN])
def test_retry_and_roll_back_are_refused_on_an_update_that_did_not_fail(outcome):
    update = ended(outcome, "v1", "v2")
    assert followups.offers(update) == []
    for kind in (Kind.RETRY, Kind.ROLLBACK):
        with pytest.raises(Refused, match="did not fail"):
            followups.plan(update, kind)


def test_only_a_bundle_that_ran_can_be_redeployed():
    assert followups.plan(ended(Outcome.WARNING, "v1", "v2"), Kind.REDEPLOY).bundle_id == "v2"
    with pytest.raises(Refused, match="did not succeed"):
        followups.plan(ended(Outcome.ERROR, "v2", "v3"), Kind.REDEPLOY)
    with pytest.raises(Refused, match="Unknown action"):
        followups.plan(ended(Outcome.ERROR, "v2", "v3"), "delete")


def test_history_keeps_each_bundle_and_offers_each_earlier_one_once():
    ended(Outcome.SUCCESS, "v1", "v1")
    ended(Outcome.SUCCESS, "v1", "v2", kind=Kind.DEPLOY_BUNDLE)
    ended(Outcome.SUCCESS, "v2", "v1", kind=Kind.DEPLOY_BUNDLE)
    ended(Outcome.ERROR, "v1", "v3", kind=Kind.DEPLOY_BUNDLE)
    newest = ended(Outcome.SUCCESS, "v3", "v1", kind=Kind.ROLLBACK)
    rows = followups.history("churn-dev", current_bundle="v1", bundles=["v1", "v3"])
    assert [(r.update.previous_bundle_id, r.update.bundle_id) for r in rows] == [
        ("v3", "v1"), ("v1", "v3"), ("v2", "v1"), ("v1", "v2"), ("v1", "v1")]
    assert rows[0].update == newest and rows[0].current and not rows[0].redeploy
    assert [r.redeploy.bundle_id for r in rows if r.redeploy] == []  # v2 was deleted, v3 never ran, v1 is current
    assert [r.update.bundle_id for r in rows if r.bundle_gone] == ["v2"]
    unknown = followups.history("churn-dev", current_bundle="v1")  # a refresh, without the project's bundles
    assert [r.redeploy.bundle_id for r in unknown if r.redeploy] == ["v2"]
    assert sum(r.current for r in unknown) == 1


def test_the_database_allows_one_running_update_per_deployment():
    DeploymentUpdate.objects.create(deployment_id="churn-dev", state=State.RUNNING, job_id="a", kind=Kind.RETRY)
    with pytest.raises(IntegrityError), transaction.atomic():
        DeploymentUpdate.objects.create(deployment_id="churn-dev", state=State.STARTING, kind=Kind.RETRY)
    DeploymentUpdate.objects.create(deployment_id="churn-test", state=State.STARTING)  # another deployment may


def test_who_started_it_is_the_portal_person(django_user_model):
    person = django_user_model.objects.create_user("dave", first_name="Dave", last_name="Operator")
    update = ended(Outcome.SUCCESS, "v1", "v1")
    update.requester, update.requester_username = person, "dave"
    assert update.started_by == "Dave Operator"
    update.requester = None
    assert update.started_by == "dave"
