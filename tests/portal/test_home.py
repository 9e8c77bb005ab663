"""The home page: live counts from all three upstreams, or a banner naming the one that cannot be reached."""

from __future__ import annotations

import re

import pytest
import requests

from govern_ui.mirror.sweep import sweep
from govern_ui.models import MirrorState
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


def _reader_tries():
    """The Govern mirror's next sweep once its artifact list is due again (as a minute later)."""
    MirrorState.objects.update(listed_at=None)
    sweep()


# The home page computes its sections in threads of their own: they see the mirror's rows once committed.
MIRROR_IN_THREADS = pytest.mark.django_db(transaction=True)


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def _fill_caches():
    """What the worker and beat do in the background, run in-process."""
    from deployer_ui.tasks import refresh_deployments, sample_api_nodes
    from tests.govern_ui.helpers import fill_mirror

    refresh_deployments()
    sample_api_nodes()
    fill_mirror()


@MIRROR_IN_THREADS
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


@MIRROR_IN_THREADS
def test_home_names_the_upstream_that_is_down_and_keeps_the_others(sandbox, faults, login, reviewer):
    _fill_caches()
    from django.core.cache import cache

    cache.delete_many(["overview:govern"])
    faults(target="govern", down=True)
    _reader_tries()  # the mirror's reader is how the portal learns that Govern is down
    response = login(reviewer).get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'role="alert">\s*<strong>Govern cannot be reached', html)
    assert 'data-testid="deployment-count"' in html
    assert _sections(html)["govern"] == "true"  # the mirror's last numbers, marked stale
    assert 'data-testid="artifact-count"' in html


@MIRROR_IN_THREADS
def test_home_with_every_upstream_down_still_answers(sandbox, faults, login, reviewer):
    faults(target="all", down=True)
    from deployer_ui.tasks import refresh_deployments, sample_api_nodes

    refresh_deployments()  # the workers' attempts, which is how the caches learn the upstreams are down
    sample_api_nodes()
    _reader_tries()
    response = login(reviewer).get("/")
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("Govern", "Project Deployer", "API nodes"):
        assert f"<strong>{name} cannot be reached" in html


@MIRROR_IN_THREADS
def test_home_survives_an_upstream_answering_garbage(sandbox, faults, login, reviewer):
    faults(target="govern", garbage=True)
    _reader_tries()
    response = login(reviewer).get("/")
    assert response.status_code == 200
    assert "<strong>Govern cannot be reached" in response.content.decode()


def test_health_probe_needs_no_upstream(client, db):
    assert client.get("/healthz").json() == {"ok": True}


def test_sandbox_is_reached_over_real_http(sandbox):
    # Guard against a test setup that silently serves upstreams in-process.
    assert requests.get(sandbox.url("apinode-a") + "/health", timeout=2).status_code == 200


def _sections(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-testid="section-(\w+)" data-stale="(\w+)"', html))


def _expire_shared_sections():
    """What a few seconds do: every screen's shared copy of the sections expires (the mirrors stay)."""
    from django.core.cache import cache

    cache.delete_many(["overview:govern", "overview:deployer", "overview:apinodes"])


@MIRROR_IN_THREADS
def test_a_section_whose_upstream_is_down_keeps_its_last_numbers_marked_stale_and_one_banner_names_it(
        sandbox, faults, login, reviewer):
    from deployer_ui.tasks import refresh_deployments, sample_api_nodes

    artifacts, deployments, services = _sandbox_counts(sandbox)
    _fill_caches()
    client = login(reviewer)
    assert set(_sections(client.get("/").content.decode()).values()) == {"false"}  # seen once, while all are up

    faults(target="dss", down=True)
    refresh_deployments()  # the worker's refresh is how the portal learns that the Deployer is down
    _expire_shared_sections()
    html = client.get("/").content.decode()
    assert _sections(html) == {"govern": "false", "deployer": "true", "apinodes": "false"}
    assert _number(html, "deployment-count") == deployments  # the last known count, not "Unavailable"
    assert html.count('data-testid="home-banner"') == 1
    assert html.count("<strong>Project Deployer cannot be reached.</strong>") == 1
    assert html.count("cannot be reached") == 1 and "Deployer Deployer" not in html
    assert "Its numbers below are the last known, read at" in html
    deployer_card = re.search(r'data-testid="section-deployer".*?</section>', html, re.S).group(0)
    assert 'data-testid="section-stale">stale<' in deployer_card and "Last known</span>, read at" in deployer_card

    faults(target="govern", down=True)
    faults(target="apinode-a", down=True)
    faults(target="apinode-b", down=True)
    sample_api_nodes()
    _reader_tries()  # the mirror's reader finds Govern down; the mirror keeps its numbers
    _expire_shared_sections()
    html = client.get("/").content.decode()
    assert set(_sections(html).values()) == {"true"}
    assert (_number(html, "artifact-count"), _number(html, "service-count")) == (artifacts, services)
    banners = re.findall(r'data-testid="home-banner" data-upstream="([^"]+)"', html)
    assert banners == ["Govern", "Project Deployer", "API nodes"]
    for name in banners:
        assert html.count(f"<strong>{name} cannot be reached.</strong>") == 1


@MIRROR_IN_THREADS
def test_home_shows_the_age_of_each_number_from_the_cache_that_holds_it(sandbox, login, reviewer):
    from deployer_ui.status_cache import StatusCache

    _fill_caches()
    cache = StatusCache()
    for item in cache.load_list():
        snapshot = cache.read("status", item["id"])
        snapshot["last_success_at"] -= 600  # read ten minutes ago, by the worker
        cache.write(snapshot, "status", item["id"])
    html = login(reviewer).get("/").content.decode()
    deployer_card = re.search(r'data-testid="section-deployer".*?</section>', html, re.S).group(0)
    assert re.search(r'data-testid="section-age"><small>Read at <time[^>]*>[\d:]+</time> · 10 min old', deployer_card)
    govern_card = re.search(r'data-testid="section-govern".*?</section>', html, re.S).group(0)
    assert re.search(r"· \d+ s old", govern_card)  # its list and index were read seconds ago
