"""API node status kept in Redis by the sampling task: pages read only that cache, against the sandbox over HTTP."""

from __future__ import annotations

import re

from django.urls import reverse

from deployer_ui import apinode_client, node_cache
from deployer_ui.models import ApiNodeSample
from deployer_ui.node_cache import NodeStatusCache
from deployer_ui.node_sampling import sample_all as sample_api_nodes

NODES = ("apinode-a", "apinode-b")
OVERVIEW = "deployer_ui:api_nodes"


def node_calls(sandbox, node: str) -> dict:
    return {op: n for op, n in sandbox.stats().get(node, {}).items() if n}


def truth(node: str) -> dict:
    """What the node itself says right now (read before the test zeroes the request counts)."""
    client = apinode_client.get_client(node)
    services = client.list_services()
    return {"health": client.get_health().status, "services": len(services),
            "enabled": sum(s.enabled for s in services)}


def card(html: str, node: str) -> str:
    match = re.search(rf'<section[^>]*data-node="{node}".*?</section>', html, re.S)
    assert match, f"no card for {node}"
    return match.group(0)


def number(html: str, testid: str) -> int:
    match = re.search(rf'data-testid="{testid}">(\d+)<', html)
    assert match, f"{testid} not shown"
    return int(match.group(1))


def test_a_sampling_fills_the_cache_and_the_overview_shows_health_and_service_counts(login, operator, sandbox):
    expected = {node: truth(node) for node in NODES}
    assert sample_api_nodes() == 2
    assert ApiNodeSample.objects.filter(error="").count() == 2  # the charts' samples are still written
    html = login(operator).get(reverse(OVERVIEW)).content.decode()
    assert 'data-testid="loading"' not in html and 'data-testid="stale"' not in html
    for node in NODES:
        shown = card(html, node)
        assert re.search(rf'data-testid="node-health">{expected[node]["health"]}<', shown)
        assert number(shown, "service-count") == expected[node]["services"]
        assert number(shown, "enabled-count") == expected[node]["enabled"]
        assert 'data-testid="age"' in shown
    assert "DEGRADED" in card(html, "apinode-b")


def test_a_hundred_overview_reads_cost_the_nodes_nothing_once_warm(login, operator, sandbox):
    sample_api_nodes()
    sandbox.reset_stats()
    client = login(operator)
    for _ in range(100):
        page = client.get(reverse(OVERVIEW))
        assert page.status_code == 200 and "churn-prediction" in page.content.decode()
    partial = client.get(reverse(OVERVIEW), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'data-node="apinode-a"' in partial
    for _ in range(3):  # the home page's API-node section reads the same cache on every view
        assert 'data-testid="service-count"' in client.get("/").content.decode()
    assert node_calls(sandbox, "apinode-a") == {}
    assert node_calls(sandbox, "apinode-b") == {}


def test_cold_cache_shows_loading_and_asks_exactly_one_sampling(login, operator, sandbox,
                                                                  django_capture_on_commit_callbacks):
    client = login(operator)
    with django_capture_on_commit_callbacks() as callbacks:
        for _ in range(100):
            page = client.get(reverse(OVERVIEW))
            assert 'data-testid="loading"' in page.content.decode()
        assert 'aria-busy="true"' in client.get("/").content.decode()
    # a hundred views (and the home page), one sampling enqueued
    assert len(callbacks) == 1
    assert node_calls(sandbox, "apinode-a") == {} and node_calls(sandbox, "apinode-b") == {}
    # what the worker then runs; a second on-demand request finds the cache warm and calls nobody
    assert sample_api_nodes(on_demand=True) == 2
    sandbox.reset_stats()
    assert sample_api_nodes(on_demand=True) == 0
    assert node_calls(sandbox, "apinode-a") == {}
    html = client.get(reverse(OVERVIEW)).content.decode()
    assert 'data-testid="loading"' not in html and html.count('data-testid="age"') == 2


def test_two_samplings_never_run_at_once(db, sandbox):
    lock = NodeStatusCache().lock()
    token = lock.acquire()  # as if a sampling were running in another worker
    assert token
    sandbox.reset_stats()
    assert sample_api_nodes() == 0
    assert node_calls(sandbox, "apinode-a") == {} and not ApiNodeSample.objects.exists()
    lock.release(token)
    assert sample_api_nodes() == 2


def test_a_node_down_after_a_good_snapshot_is_stale_with_its_error(login, operator, sandbox, faults):
    expected_b = truth("apinode-b")
    sample_api_nodes()
    faults(target="apinode-b", down=True)
    sample_api_nodes()  # the beat's next sampling, run in-process
    client = login(operator)
    html = client.get(reverse(OVERVIEW)).content.decode()
    down, up = card(html, "apinode-b"), card(html, "apinode-a")
    assert "stale" in down and 'data-testid="stale">Stale since' in down
    assert "apinode-b" in re.search(r'data-testid="stale">(.*?)</p>', down, re.S).group(1)  # the error names it
    assert "chip-stale" in down and 'data-testid="age"' not in down  # grey, never shown as current
    assert number(down, "service-count") == expected_b["services"]  # the last good reading is still there
    assert 'data-testid="age"' in up and 'data-testid="stale"' not in up and "card-stale" not in up
    assert "<strong>API node apinode-b cannot be reached.</strong>" in html  # the one banner (was "could not be read")
    home = client.get("/").content.decode()
    assert 'data-testid="node-stale"' in home and "cannot be reached." not in home
    assert ApiNodeSample.objects.filter(node_id="apinode-b").exclude(error="").count() == 1


def test_every_node_failing_names_the_api_nodes_on_the_home_page(login, operator, sandbox, faults):
    faults(target="apinode-a", down=True)
    faults(target="apinode-b", down=True)
    sample_api_nodes()
    home = login(operator).get("/").content.decode()
    assert "<strong>API nodes cannot be reached" in home
    overview = login(operator).get(reverse(OVERVIEW)).content.decode()
    assert 'data-testid="loading"' not in overview and overview.count('data-testid="node-banner"') == 2


def test_a_snapshot_older_than_three_samplings_is_stale(login, operator, sandbox, monkeypatch, settings):
    sample_api_nodes()
    real_now = node_cache._now
    # The clock is the one thing the sandbox cannot move: read the cache as if four samplings had been missed.
    monkeypatch.setattr(node_cache, "_now", lambda: real_now() + 4 * settings.API_NODE_SAMPLE_SECONDS)
    html = login(operator).get(reverse(OVERVIEW)).content.decode()
    assert html.count('data-testid="stale">Stale since') == 2 and 'data-testid="age"' not in html


def test_enabling_a_service_updates_the_overview_at_once(login, operator, sandbox):
    sample_api_nodes()
    client = login(operator)
    service = re.compile(r'recommendations</a> — <span data-testid="service-state">(\w+)<')
    before = card(client.get(reverse(OVERVIEW)).content.decode(), "apinode-b")
    assert service.search(before).group(1) == "disabled"
    enabled_before = number(before, "enabled-count")
    sandbox.reset_stats()
    url = reverse("deployer_ui:api_service_action", args=["apinode-b", "recommendations", "enable"])
    assert client.post(url, {"confirm": "yes"}).status_code == 302
    after = card(client.get(reverse(OVERVIEW)).content.decode(), "apinode-b")
    assert service.search(after).group(1) == "enabled"
    assert number(after, "enabled-count") == enabled_before + 1
    assert node_calls(sandbox, "apinode-a") == {}  # only the node acted on was re-read
    assert "GET /metrics" not in node_calls(sandbox, "apinode-b")
