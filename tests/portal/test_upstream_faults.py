"""The fault table's first row: an upstream down, slow past the timeout, answering 500, or answering malformed JSON.
Every page that reads it answers within the read timeout plus 1 s, names it in a banner, and the error is logged."""

from __future__ import annotations

import logging
import time

import pytest
from django.conf import settings
from django.core.cache import cache

pytestmark = pytest.mark.django_db

FAULTS = {
    "down": {"down": True},
    "slow": {"latency_ms": (settings.UPSTREAM_READ_TIMEOUT + 1) * 1000},
    "500": {"error_rate": 1.0, "error_status": 500},
    "malformed": {"garbage": True},
}
# Pages that read an upstream live (not from a cache a worker fills), with the upstream they need. The home page is
# not one: its Govern numbers come from the Govern mirror, which no page waits on (Govern's outage there:
# tests/govern_ui/test_mirror.py and tests/portal/test_home.py), the others from the workers' caches.
PAGES = [
    ("govern", "Govern", "/governance/artifacts/"),
    ("govern", "Govern", "/governance/artifacts/art-0001/"),
    ("govern", "Govern", "/governance/blueprints/"),
    ("govern", "Govern", "/governance/users/"),
    ("dss", "Deployer", "/deployments/d/churn-dev/"),
    ("dss", "Deployer", "/deployments/tasks/"),
    ("dss", "Deployer", "/deployments/projects/"),
    ("dss", "Deployer", "/deployments/infras/"),
    ("apinode-a", "apinode-a", "/deployments/api-nodes/apinode-a/"),
]


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize(("target", "name", "path"), PAGES, ids=[p for _, _, p in PAGES])
def test_every_page_answers_in_time_with_a_banner_and_the_error_logged(fault, target, name, path, faults, login,
                                                                       everyone, caplog):
    client = login(everyone)
    assert client.get(path).status_code == 200  # templates compiled and code loaded: time the fault, not a cold start
    cache.clear()  # nothing read while healthy may hide the fault
    faults(target=target, **FAULTS[fault])
    caplog.set_level(logging.WARNING)
    start = time.monotonic()
    response = client.get(path)
    took = time.monotonic() - start
    assert took < settings.UPSTREAM_READ_TIMEOUT + 1, f"{path} took {took:.2f}s with {target} {fault}"
    html = response.content.decode()
    assert response.status_code in (200, 502, 504), (response.status_code, html[:500])
    assert "banner-error" in html and name in html, html[:3000]
    assert any(name in r.getMessage() or target in r.getMessage() for r in caplog.records
               if r.levelno >= logging.WARNING), [r.getMessage() for r in caplog.records]
