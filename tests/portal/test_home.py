"""The home page: live counts from all three upstreams, or a banner naming the one that cannot be reached."""

from __future__ import annotations

import re

import requests

from portal.lib.upstream import UpstreamClient


def _sandbox_counts(sandbox):
    govern = UpstreamClient(name="g", base_url=sandbox.url("govern"), api_key="govern-service-key")
    dss = UpstreamClient(name="d", base_url=sandbox.url("dss"), api_key="dss-service-key")
    services = 0
    for node in ("apinode-a", "apinode-b"):
        node_client = UpstreamClient(name=node, base_url=sandbox.url(node), api_key="apinode-admin-key", auth="bearer")
        services += len(node_client.request("GET", "/services"))
    return (
        len(govern.request("GET", "/artifacts")),
        len(dss.request("GET", "/project-deployer/deployments")),
        services,
    )


def _number(html: str, testid: str) -> int:
    match = re.search(rf'data-testid="{testid}">(\d+)<', html)
    assert match, f"{testid} not shown"
    return int(match.group(1))


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def _fill_caches():
    """What the worker and beat do in the background, run in-process."""
    from deployer_ui.tasks import refresh_deployments, sample_api_nodes
    from govern_ui.tasks import refresh_signoff_index

    refresh_deployments()
    sample_api_nodes()
    refresh_signoff_index()


def test_home_shows_live_counts_from_all_three_upstreams(sandbox, login, reviewer):
    artifacts, deployments, services = _sandbox_counts(sandbox)
    sign_offs = sandbox.summary()["signOffs"]
    open_steps = sum(len(sign_offs.get(status, [])) for status in ("NOT_STARTED", "IN_PROGRESS", "DELEGATED"))
    _fill_caches()
    html = login(reviewer).get("/").content.decode()
    assert _number(html, "artifact-count") == artifacts
    assert _number(html, "pending-count") == open_steps
    assert _number(html, "deployment-count") == deployments
    assert _number(html, "service-count") == services
    assert 'role="alert"' not in html


def test_home_on_a_cold_cache_says_loading_and_does_not_wait_on_deployment_status(sandbox, login, reviewer):
    sandbox.reset_stats()
    html = login(reviewer).get("/").content.decode()
    assert 'aria-busy="true"' in html
    assert not any("/status" in op for op in sandbox.stats()["dss"])


def test_home_names_the_upstream_that_is_down_and_keeps_the_others(sandbox, faults, login, reviewer):
    _fill_caches()
    from django.core.cache import cache

    cache.delete_many(["overview:govern"])
    faults(target="govern", down=True)
    response = login(reviewer).get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'role="alert">\s*<strong>Govern cannot be reached', html)
    assert 'data-testid="deployment-count"' in html
    assert 'data-testid="artifact-count"' not in html


def test_home_with_every_upstream_down_still_answers(sandbox, faults, login, reviewer):
    faults(target="all", down=True)
    from deployer_ui.tasks import refresh_deployments, sample_api_nodes

    refresh_deployments()  # the workers' attempts, which is how the caches learn the upstreams are down
    sample_api_nodes()
    response = login(reviewer).get("/")
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("Govern", "Project Deployer", "API nodes"):
        assert f"<strong>{name} cannot be reached" in html


def test_home_survives_an_upstream_answering_garbage(sandbox, faults, login, reviewer):
    faults(target="govern", garbage=True)
    response = login(reviewer).get("/")
    assert response.status_code == 200
    assert "<strong>Govern cannot be reached" in response.content.decode()


def test_health_probe_needs_no_upstream(client, db):
    assert client.get("/healthz").json() == {"ok": True}


def test_sandbox_is_reached_over_real_http(sandbox):
    # Guard against a test setup that silently serves upstreams in-process.
    assert requests.get(sandbox.url("apinode-a") + "/health", timeout=2).status_code == 200
