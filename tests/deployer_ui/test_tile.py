"""The dashboard tile, built in Python for speed, escapes everything that came from the Deployer and says when an
update runs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.template import Context, Template

from deployer_ui.dashboard import RunningUpdate
from deployer_ui.status_cache import StatusView

pytestmark = pytest.mark.unit

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'


def _render(view: StatusView) -> str:
    return Template("{% load deployer %}{% deployment_tile v '/deployments/' %}").render(Context({"v": view}))


def test_tile_escapes_upstream_text_and_encodes_the_id_as_one_segment():
    when = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    view = StatusView(id="a/../" + HOSTILE, project_name=HOSTILE, bundle_id=HOSTILE, deployed_project_key=HOSTILE,
                      health="ERROR", fetched_at=when, last_success_at=when, error=HOSTILE, stale=True)
    html = _render(view)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="/deployments/d/a%2F..%2F%3Cscript%3E' in html
    assert 'data-testid="stale">Stale since <time' in html


def test_current_tile_shows_health_word_colour_and_age():
    when = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    view = StatusView(id="churn-prod", project_name="Customer churn", bundle_id="v4", deployed_project_key="CHURN",
                      health="OUT_OF_SYNC", fetched_at=when, last_success_at=when, age_seconds=12)
    html = _render(view)
    assert 'class="chip health-out_of_sync" data-testid="health">Out Of Sync</span>' in html
    assert '<span class="age" data-testid="age">12 s old</span>' in html
    assert "Customer churn · bundle v4" in html


def test_a_tile_with_a_running_update_says_updating_and_links_to_it():
    when = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    view = StatusView(id="churn-prod", health="HEALTHY", fetched_at=when, last_success_at=when, age_seconds=3)
    template = Template("{% load deployer %}{% deployment_tile v '/deployments/' updating %}")
    html = template.render(Context({"v": view, "updating": {"churn-prod": RunningUpdate(7, 50)}}))
    assert 'class="tile health-tile-healthy updating"' in html
    assert '<a class="tile-updating" href="/deployments/updates/7/" data-testid="updating">updating 50%' in html
    assert 'style="width: 50%"' in html
    starting = template.render(Context({"v": view, "updating": {"churn-prod": RunningUpdate(8, None, True)}}))
    assert "update starting" in starting
    assert "tile-updating" not in template.render(Context({"v": view, "updating": {"other": RunningUpdate(9, 5)}}))
