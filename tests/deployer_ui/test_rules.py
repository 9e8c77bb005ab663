"""Fast tests of the operators' view's pure rules: dashboard filters and grouping, how a future ended, freshness."""

from __future__ import annotations

import pytest

from deployer_ui.dashboard import DashboardFilters, assemble
from deployer_ui.status_cache import Cycle, StatusView
from deployer_ui.templatetags.deployer import short_duration
from deployer_ui.updates import future_outcome
from portal.lib.freshness import LOADING, STALE_INTERVALS
from sandbox.seed import DEPLOYMENTS, INFRAS, STAGES
from tests.deployer_ui.builders import future, report, snapshot, status_view, update_result

pytestmark = pytest.mark.unit

STAGE_OF_INFRA = dict(INFRAS)
STAGE_ORDER = [stage for stage, _ in STAGES]


def seeded_views() -> list[StatusView]:
    """The default seed's curated deployments, all healthy but the two "-fails" ones."""
    return [
        status_view(deployment_id, stage=STAGE_OF_INFRA[infra], infra_id=infra, project_key=project,
                    health="ERROR" if deployment_id.endswith("-fails") else "HEALTHY")
        for deployment_id, project, infra in DEPLOYMENTS
    ]


def shown_ids(dashboard) -> list[str]:
    return [view.id for _, infras in dashboard.groups for _, views in infras for view in views]


# --- dashboard filters and grouping -------------------------------------------------------------------------------


def test_empty_filters_match_every_deployment():
    views = seeded_views()
    dashboard = assemble(views, STAGE_ORDER, DashboardFilters())
    assert dashboard.shown == dashboard.total == len(DEPLOYMENTS)
    assert sorted(shown_ids(dashboard)) == sorted(d for d, _, _ in DEPLOYMENTS)


def test_each_filter_narrows_on_its_own_field():
    view = status_view("fraud-prod-eu", stage="Production", infra_id="infra-prod-eu", project_key="FRAUD")
    assert DashboardFilters(stage="Production", infra="infra-prod-eu", project="FRAUD").matches(view)
    assert not DashboardFilters(stage="Test").matches(view)
    assert not DashboardFilters(infra="infra-prod").matches(view)
    assert not DashboardFilters(project="CHURN").matches(view)
    assert DashboardFilters(health="healthy").matches(view) and DashboardFilters(health="HEALTHY").matches(view)
    assert not DashboardFilters(health="error").matches(view)


def test_health_filter_loading_matches_a_deployment_never_read():
    assert DashboardFilters(health="loading").matches(status_view(health=LOADING))
    assert not DashboardFilters(health="healthy").matches(status_view(health=LOADING))


def test_search_is_case_insensitive_over_ids_names_bundle_infra_and_stage():
    view = status_view("reco-test-warns", stage="Test", infra_id="infra-test", project_key="RECO",
                       project_name="Recommendations", bundle_id="v7")
    for needle in ("RECO-TEST", "recommend", "v7", "INFRA-TEST", "test"):
        assert DashboardFilters(q=needle).matches(view), needle
    assert not DashboardFilters(q="churn").matches(view)


def test_tiles_group_by_stage_in_the_deployers_order_then_infra_then_id():
    views = list(reversed(seeded_views()))
    dashboard = assemble(views, STAGE_ORDER, DashboardFilters())
    assert [stage for stage, _ in dashboard.groups] == STAGE_ORDER
    for stage, infras in dashboard.groups:
        assert [infra for infra, _ in infras] == sorted(i for i, s in INFRAS if s == stage)
        for _, tiles in infras:
            assert [t.id for t in tiles] == sorted(t.id for t in tiles)


def test_unknown_stages_follow_the_known_ones_by_name_and_empty_groups_are_dropped():
    views = [status_view("a", stage="Zeta"), status_view("b", stage="Alpha"), status_view("c", stage="Test")]
    dashboard = assemble(views, STAGE_ORDER, DashboardFilters())
    assert dashboard.stages == [*STAGE_ORDER, "Alpha", "Zeta"]
    assert [stage for stage, _ in dashboard.groups] == ["Test", "Alpha", "Zeta"]


def test_counts_cover_every_deployment_whatever_the_filter():
    views = [*seeded_views(), status_view("new-one", health=LOADING)]
    dashboard = assemble(views, STAGE_ORDER, DashboardFilters(health="error"))
    assert dashboard.counts["ERROR"] == 2 and dashboard.counts[LOADING] == 1
    assert sum(dashboard.counts.values()) == dashboard.total == len(views)
    assert dashboard.shown == 2 and set(shown_ids(dashboard)) == {"pricing-prod-fails", "credit-test-fails"}
    assert dashboard.projects == sorted({p for _, p, _ in DEPLOYMENTS})
    assert dashboard.infras == sorted({i for _, _, i in DEPLOYMENTS})


def test_the_banner_names_the_last_failure_only_when_statuses_are_not_current():
    current = assemble(seeded_views(), STAGE_ORDER, DashboardFilters(), cycle=Cycle(ok=True))
    assert current.upstream_error == "" and current.stale_count == 0
    failed = assemble(seeded_views(), STAGE_ORDER, DashboardFilters(),
                      cycle=Cycle(ok=False, error="Deployer cannot be reached"))
    assert failed.upstream_error == "Deployer cannot be reached"
    stale = assemble([status_view(stale=True)], STAGE_ORDER, DashboardFilters(), cycle=Cycle(ok=True))
    assert stale.stale_count == 1 and stale.upstream_error == "Some statuses could not be refreshed"


# --- the outcome of a future --------------------------------------------------------------------------------------


def test_a_future_whose_reports_all_succeed_is_a_success_with_four_reports():
    ended = future_outcome(future(result=update_result()))
    assert ended.outcome == "success" and ended.error == ""
    assert [r["key"] for r in ended.reports] == ["prepareSyncReport", "preloadReport", "activateCheckReport",
                                                 "activateReport"]


def test_one_warning_report_makes_a_warning_and_one_error_an_error():
    assert future_outcome(future(result=update_result(preloadReport=report(warning=True)))).outcome == "warning"
    both = update_result(preloadReport=report(warning=True), activateReport=report(error=True))
    assert future_outcome(future(result=both)).outcome == "error"
    assert future_outcome(future(result=update_result(activateReport=report(fatal=True)))).outcome == "error"


def test_an_aborted_future_without_result_is_aborted():
    ended = future_outcome(future(aborted=True))
    assert ended.outcome == "aborted" and ended.reports == [] and ended.error == ""


def test_a_future_that_ended_without_a_usable_result_is_unknown_and_says_why():
    assert future_outcome(future()).error == "The task ended without a result."
    garbage = future_outcome(future(result="not an object"))
    assert garbage.outcome == "unknown" and garbage.error.startswith("Deployer answered")


def test_progress_of_a_running_future():
    running = future(alive=True, progress=[{"name": "Preloading", "unit": "", "target": 4, "cur": 1}])
    assert not running.finished and running.percent == 25 and running.progress_label == "Preloading"
    assert future().finished and future().percent is None


# --- freshness ------------------------------------------------------------------------------------------------------


NOW = 1_800_000_000.0
INTERVAL = 30


def test_a_snapshot_never_read_is_loading_and_not_stale():
    view = StatusView.from_snapshot("churn-prod", snapshot(last_success_at=None), INTERVAL, NOW)
    assert view.loading and view.health == LOADING and view.health_class == "loading"
    assert not view.stale and view.age_seconds is None


def test_a_recent_snapshot_is_current_with_its_age():
    view = StatusView.from_snapshot("churn-prod", snapshot(last_success_at=NOW - 12), INTERVAL, NOW)
    assert not view.loading and not view.stale and view.age_seconds == 12 and view.health == "HEALTHY"


def test_a_snapshot_older_than_three_intervals_is_stale_without_an_error():
    age = STALE_INTERVALS * INTERVAL + 1
    view = StatusView.from_snapshot("churn-prod", snapshot(last_success_at=NOW - age), INTERVAL, NOW)
    assert view.stale and not view.error and view.since is not None
    edge = StatusView.from_snapshot("churn-prod", snapshot(last_success_at=NOW - age + 1), INTERVAL, NOW)
    assert not edge.stale


def test_a_failed_last_attempt_is_stale_and_keeps_the_last_good_health():
    data = snapshot(last_success_at=NOW - 5, health="WARNING", error="Deployer cannot be reached")
    view = StatusView.from_snapshot("churn-prod", data, INTERVAL, NOW)
    assert view.stale and view.health == "WARNING" and view.error == "Deployer cannot be reached"


@pytest.mark.parametrize("seconds,words", [(None, "—"), (-3, "0 s"), (12, "12 s"), (89, "89 s"), (190, "3 min"),
                                           (7300, "2 h"), (3 * 86400, "3 d")])
def test_short_duration_says_an_age_in_one_unit(seconds, words):
    assert short_duration(seconds) == words
