"""The migration that makes every update record what it deployed fills the bundle of the updates recorded before it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("deployer_ui", "0002_wall_screens")]
AFTER = [("deployer_ui", "0003_update_bundles_and_followups")]


@pytest.fixture
def back_to_the_latest():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_an_older_plain_update_gets_the_bundle_it_deployed_and_a_bundle_change_its_kind(back_to_the_latest):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("deployer_ui", "DeploymentUpdate")
    plain = old.objects.create(deployment_id="churn-dev", state="finished", outcome="success",
                               previous_bundle_id="v3").pk
    switched = old.objects.create(deployment_id="churn-dev", state="finished", outcome="error",
                                  previous_bundle_id="v3", bundle_id="v4").pk
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("deployer_ui", "DeploymentUpdate")
    rows = {u.pk: (u.kind, u.previous_bundle_id, u.bundle_id) for u in new.objects.all()}
    assert rows == {plain: ("update", "v3", "v3"), switched: ("deploy_bundle", "v3", "v4")}
