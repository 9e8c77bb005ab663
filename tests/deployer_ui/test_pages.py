"""The operators' pages and API against the sandbox: cache-only reads, stale markers, masking, 403s and 404s."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from deployer_ui import apinode_client
from deployer_ui.models import ApiNodeSample, DeploymentUpdate
from deployer_ui.node_sampling import sample_all as sample_api_nodes
from deployer_ui.refresh import refresh_all
from deployer_ui.status_cache import StatusCache
from portal.audit.models import AuditEvent
from sandbox.seed import DEFAULT_DEPLOYMENT_COUNT
from tests.deployer_ui.conftest import STAGE_ORDER

STATUS_CALL = "GET /project-deployer/deployments/{deploymentId}/status"


def deployer_calls(sandbox) -> dict:
    return {k: v for k, v in sandbox.stats().get("dss", {}).items() if v}


def test_dashboard_reads_only_the_cache(login, operator, warm_cache, sandbox):
    sandbox.reset_stats()
    client = login(operator)
    page = client.get(reverse("deployer_ui:dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="tile"') == DEFAULT_DEPLOYMENT_COUNT
    # grouped by stage in the Deployer's order, then by infra
    positions = [html.index(f">{stage}</h2>") for stage in STAGE_ORDER]
    assert positions == sorted(positions)
    assert 'data-testid="age"' in html and "Stale" not in html
    partial = client.get(reverse("deployer_ui:dashboard"), {"health": "error"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    assert 'data-deployment="pricing-prod-fails"' in partial.content.decode()
    assert 'data-deployment="churn-dev"' not in partial.content.decode()
    assert deployer_calls(sandbox) == {}


def test_dashboard_filters_and_search(login, auditor, warm_cache):
    client = login(auditor)
    html = client.get(reverse("deployer_ui:dashboard"), {"stage": "Production", "q": "fraud"}).content.decode()
    tiles = re.findall(r'data-deployment="([^"]+)"', html)
    assert sorted(tiles) == ["fraud-prod", "fraud-prod-eu"]
    html = client.get(reverse("deployer_ui:dashboard"), {"project": "CHURN", "infra": "infra-test"}).content.decode()
    assert re.findall(r'data-deployment="([^"]+)"', html) == ["churn-test"]
    html = client.get(reverse("deployer_ui:dashboard"), {"q": "no-such-thing"}).content.decode()
    assert "No deployment matches" in html


def test_health_counts_match_the_cached_snapshots(login, operator, warm_cache):
    html = login(operator).get(reverse("deployer_ui:dashboard")).content.decode()
    counts = {h: int(n) for h, n in re.findall(r'data-testid="count-(\w+)">(\d+)<', html)}
    # both -fails deployments are in ERROR
    assert sum(counts.values()) == DEFAULT_DEPLOYMENT_COUNT and counts["error"] >= 2


def test_cold_cache_shows_loading_and_asks_one_refresh(login, operator, sandbox, django_capture_on_commit_callbacks):
    client = login(operator)
    with django_capture_on_commit_callbacks() as callbacks:
        for _ in range(5):
            page = client.get(reverse("deployer_ui:dashboard"))
            assert 'data-testid="loading"' in page.content.decode()
    assert len(callbacks) == 1  # five viewers, one refresh enqueued
    assert deployer_calls(sandbox) == {}


def test_stale_marker_when_the_deployer_goes_down(login, operator, warm_cache, faults):
    faults(target="dss", down=True)
    refresh_all()
    html = login(operator).get(reverse("deployer_ui:dashboard")).content.decode()
    assert html.count('data-testid="stale"') == DEFAULT_DEPLOYMENT_COUNT
    assert "Stale since" in html and "Deployer cannot be reached" in html
    assert 'data-testid="deployer-banner"' in html
    assert 'data-testid="age"' not in html  # nothing shown as current
    detail = login(operator).get(reverse("deployer_ui:deployment", args=["churn-prod"]))
    assert detail.status_code == 200
    # the one upstream banner's wording (was "The Project Deployer could not be read.")
    assert "<strong>Deployer cannot be reached.</strong>" in detail.content.decode()
    assert 'data-testid="stale"' in detail.content.decode()


def test_old_snapshot_is_stale_even_without_an_error(login, operator, warm_cache, settings):
    settings.DEPLOYMENT_REFRESH_SECONDS = 1
    cache = StatusCache()
    data = cache.read("status", "churn-prod")
    data["last_success_at"] -= 10  # older than three 1-second intervals
    cache.write(data, "status", "churn-prod")
    view = StatusCache().view("churn-prod")
    assert view.stale and not view.error


def test_garbage_from_the_deployer_keeps_pages_up(login, operator, warm_cache, faults):
    faults(target="dss", garbage=True)
    refresh_all()
    client = login(operator)
    assert 'data-testid="stale"' in client.get(reverse("deployer_ui:dashboard")).content.decode()
    for name in ("projects", "bundles", "infras", "stages", "tasks"):
        page = client.get(reverse(f"deployer_ui:{name}"))
        assert page.status_code == 200, name
        # the one upstream banner's wording (was "The Project Deployer could not be read.")
        assert 'data-testid="upstream-banner"><strong>Deployer answered' in page.content.decode(), name


def test_deployment_detail_shows_status_settings_bundles(login, auditor, warm_cache):
    html = login(auditor).get(reverse("deployer_ui:deployment", args=["churn-prod"])).content.decode()
    assert 'data-testid="health"' in html and "Scenario monitoring" in html
    assert 'data-testid="bundle"' in html and "Bundles of CHURN" in html
    assert "No update has been started" in html
    assert 'data-testid="start-update"' not in html  # auditors read only


def test_read_only_pages_render(login, auditor, sandbox):
    client = login(auditor)
    assert "CHURN" in client.get(reverse("deployer_ui:projects")).content.decode()
    assert "Customer churn" in client.get(reverse("deployer_ui:project", args=["CHURN"])).content.decode()
    assert "v1" in client.get(reverse("deployer_ui:bundles")).content.decode()
    assert "infra-prod-eu" in client.get(reverse("deployer_ui:infras")).content.decode()
    assert "fraud-prod" in client.get(reverse("deployer_ui:infra", args=["infra-prod"])).content.decode()
    html = client.get(reverse("deployer_ui:stages")).content.decode()
    positions = [html.index(stage) for stage in STAGE_ORDER]
    assert positions == sorted(positions)
    assert "No task is running" in client.get(reverse("deployer_ui:tasks")).content.decode()


@pytest.mark.parametrize("name,args", [
    ("deployment", ["no-such-deployment"]),
    ("project", ["NOPE"]),
    ("infra", ["infra-nope"]),
    ("update", [999999]),
    ("update_start", ["no-such-deployment"]),
    ("api_node", ["no-such-node"]),
    ("api_service", ["apinode-a", "no-such-service"]),
    ("task_abort", ["no-such-job"]),
])
def test_unknown_ids_give_a_friendly_404(login, admin_user, warm_cache, name, args):
    page = login(admin_user).get(reverse(f"deployer_ui:{name}", args=args))
    assert page.status_code == 404
    assert "Not found" in page.content.decode()


def test_unknown_ids_in_the_api_give_404(login, operator, warm_cache):
    client = login(operator)
    assert client.get(reverse("deployer_ui_api:deployment", args=["nope"])).status_code == 404
    assert client.get(reverse("deployer_ui_api:update", args=[424242])).status_code == 404
    response = client.post(reverse("deployer_ui_api:updates"), {"deployment_id": "nope"},
                           content_type="application/json")
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["reviewer", "auditor", "outsider"])
def test_only_operators_and_admins_act(request, login, warm_cache, persona):
    client = login(request.getfixturevalue(persona))
    update = DeploymentUpdate.objects.create(deployment_id="churn-dev", job_id="x", state="running")
    for url in (
        reverse("deployer_ui:update_start", args=["churn-dev"]),
        reverse("deployer_ui:deploy_bundle", args=["churn-dev"]),
        reverse("deployer_ui:update_abort", args=[update.pk]),
        reverse("deployer_ui:task_abort", args=["x"]),
        reverse("deployer_ui:api_service_action", args=["apinode-a", "fraud-scoring", "disable"]),
    ):
        assert client.post(url, {"confirm": "yes"}).status_code == 403, url
    api = client.post(reverse("deployer_ui_api:updates"), {"deployment_id": "churn-dev"},
                      content_type="application/json")
    assert api.status_code == 403
    assert client.post(reverse("deployer_ui_api:update_abort", args=[update.pk])).status_code == 403
    assert not AuditEvent.objects.exclude(action__startswith="auth.").exists()


def test_operators_may_not_abort_arbitrary_tasks(login, operator, sandbox):
    assert login(operator).post(reverse("deployer_ui:task_abort", args=["x"]), {"confirm": "yes"}).status_code == 403


def test_api_lists_cached_statuses(login, auditor, warm_cache, sandbox):
    sandbox.reset_stats()
    body = login(auditor).get(reverse("deployer_ui_api:deployments")).json()
    assert body["loading"] is False and body["count"] == DEFAULT_DEPLOYMENT_COUNT
    item = next(r for r in body["results"] if r["id"] == "pricing-prod-fails")
    assert item["health"] == "ERROR" and item["stale"] is False and item["age_seconds"] is not None
    one = login(auditor).get(reverse("deployer_ui_api:deployment", args=["pricing-prod-fails"])).json()
    assert one["health"] == "ERROR"
    assert deployer_calls(sandbox) == {}


def test_api_schema_documents_the_deployments_api(login, auditor, sandbox):
    schema = login(auditor).get("/api/schema/").content.decode()
    for path in ("/api/deployments/", "/api/deployments/updates/", "/api/deployments/updates/{id}/abort/"):
        assert path in schema


def test_auth_key_values_never_reach_the_browser(login, operator, sandbox):
    secrets = []
    for node in ("apinode-a", "apinode-b"):
        raw = apinode_client.get_client(node).request("GET", "/auth/keys")
        secrets += [item["key"] for item in raw]
    assert secrets
    sample_api_nodes()  # the beat's sampling, so the overview shows the nodes' services
    client = login(operator)
    pages = [client.get(reverse("deployer_ui:api_nodes"))]
    assert "churn-prediction" in pages[0].content.decode()
    for node in ("apinode-a", "apinode-b"):
        pages.append(client.get(reverse("deployer_ui:api_node", args=[node])))
        pages.append(client.get(reverse("deployer_ui:api_service", args=[node, "churn-prediction"])))
    pages += [client.get("/api/deployments/"), client.get("/api/schema/")]
    for page in pages:
        assert page.status_code == 200
        body = page.content.decode()
        assert not any(secret in body for secret in secrets)
    assert "key-1" in pages[1].content.decode() and "••••" in pages[1].content.decode()


def test_api_node_pages_show_health_services_generations_and_charts(login, operator, sandbox):
    sample_api_nodes()
    sample_api_nodes()
    assert ApiNodeSample.objects.filter(node_id="apinode-b", error="").count() == 2
    client = login(operator)
    html = client.get(reverse("deployer_ui:api_node", args=["apinode-b"])).content.decode()
    assert "DEGRADED" in html and "recommendations" in html and "disabled" in html
    html = client.get(reverse("deployer_ui:api_service", args=["apinode-a", "fraud-scoring"])).content.decode()
    for key in ("requests", "error_rate", "latency"):
        assert f'data-testid="chart-{key}"' in html and f'data-testid="now-{key}"' in html
    assert 'data-testid="generations"' in html and "active" in html


def test_api_node_down_keeps_pages_up_with_a_banner(login, operator, faults):
    faults(target="apinode-b", down=True)
    sample_api_nodes()  # the beat's sampling is how the overview learns that a node is down
    client = login(operator)
    html = client.get(reverse("deployer_ui:api_nodes")).content.decode()
    # the one upstream banner's wording (was "API node apinode-b could not be read.")
    assert "<strong>API node apinode-b cannot be reached.</strong>" in html and "churn-prediction" in html
    page = client.get(reverse("deployer_ui:api_service", args=["apinode-b", "pricing-r"]))
    assert page.status_code == 200 and "<strong>API node apinode-b cannot be reached.</strong>" in page.content.decode()


def test_service_actions_are_confirmed_and_audited(login, operator, sandbox):
    client = login(operator)
    url = reverse("deployer_ui:api_service_action", args=["apinode-a", "fraud-scoring", "disable"])
    confirm = client.get(url)
    assert confirm.status_code == 200 and 'name="confirm" value="yes"' in confirm.content.decode()
    assert apinode_client.get_client("apinode-a").get_service("fraud-scoring").enabled  # nothing done yet
    client.post(url, {"confirm": "yes"})
    assert not apinode_client.get_client("apinode-a").get_service("fraud-scoring").enabled
    client.post(reverse("deployer_ui:api_service_action", args=["apinode-a", "fraud-scoring", "enable"]),
                {"confirm": "yes"})
    gens = apinode_client.get_client("apinode-a").list_generations("fraud-scoring")
    target = next(g.generation_id for g in gens if not g.active)
    for action in ("preload", "switch"):
        client.post(reverse("deployer_ui:api_service_action", args=["apinode-a", "fraud-scoring", action]),
                    {"generation": target, "confirm": "yes"})
    assert apinode_client.get_client("apinode-a").get_service("fraud-scoring").active_generation == target
    actions = list(AuditEvent.objects.exclude(action__startswith="auth.").order_by("id")
                   .values_list("action", "outcome"))
    assert actions == [("api_service.disable", "success"), ("api_service.enable", "success"),
                       ("api_service.preload", "success"), ("api_service.switch", "success")]
    missing = client.post(reverse("deployer_ui:api_service_action", args=["apinode-a", "fraud-scoring", "switch"]),
                          {"generation": "v404", "confirm": "yes"})
    assert missing.status_code == 404


def test_home_page_counts_come_from_the_cache(login, operator, warm_cache, sandbox):
    sandbox.reset_stats()
    html = login(operator).get("/").content.decode()
    assert f'data-testid="deployment-count">{DEFAULT_DEPLOYMENT_COUNT}<' in html
    assert STATUS_CALL not in deployer_calls(sandbox)


def test_home_names_the_deployer_when_its_last_refresh_failed(login, operator, warm_cache, faults):
    faults(target="dss", down=True)
    refresh_all()
    html = login(operator).get("/").content.decode()
    assert "Deployer cannot be reached" in html
