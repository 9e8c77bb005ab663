"""The dashboard tile, built in Python for speed, escapes everything that came from the Deployer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.template import Context, Template

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
