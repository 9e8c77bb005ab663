"""The service page's traffic charts in headless Chromium: drawn with axes, switched between ranges without a reload,
readable on a phone."""

from __future__ import annotations

import os

import pytest

from deployer_ui.models import ApiNodeSample
from deployer_ui.node_sampling import sample_all as sample_api_nodes
from tests.conftest import save_screenshot
from tests.deployer_ui.test_charts import SERVICE, store_samples

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module", autouse=True)
def _sync_db_under_playwright():
    # As in test_browser.py: Playwright's sync API keeps an event loop running in this thread.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def test_service_chart_switches_range_and_has_axes(_sync_db_under_playwright, transactional_db, page, operator,
                                                   sandbox):
    store_samples(3 * 24 * 60, per_minute=1200, errors_per_minute=6, daily_wave=True)
    page.portal_login(operator)
    page.goto(f"/deployments/api-nodes/apinode-a/services/{SERVICE}/")
    charts = page.get_by_test_id("service-charts")
    for key in ("requests", "error_rate", "latency"):
        figure = page.get_by_test_id(f"chart-{key}")
        figure.locator("canvas").wait_for()  # uPlot drew it: the axes are on the canvas, the legend in the DOM
        assert figure.locator(".u-legend").count() == 1
    assert page.get_by_test_id("now-requests").inner_text().endswith("/min")
    assert page.get_by_test_id("range-24h").get_attribute("aria-current") == "true"
    url_before = page.url

    page.get_by_test_id("range-7d").click()
    page.locator('[data-testid="range-7d"][aria-current="true"]').wait_for()
    plot = page.get_by_test_id("chart-requests").locator("[data-plot]")
    assert "over the last 7 days" in plot.get_attribute("aria-label")
    assert "last 7 days" in charts.locator("[data-range-label]").inner_text()
    assert page.get_by_test_id("chart-requests").locator("canvas").count() == 1  # redrawn, not stacked
    assert page.url.endswith("?range=7d") and page.url.split("?")[0] == url_before.split("?")[0]
    page.get_by_test_id("range-1h").click()
    page.locator('[data-testid="range-1h"][aria-current="true"]').wait_for()
    page.get_by_test_id("range-24h").click()
    page.locator('[data-testid="range-24h"][aria-current="true"]').wait_for()
    charts.scroll_into_view_if_needed()
    save_screenshot(page, "service-chart")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/deployments/api-nodes/apinode-a/services/{SERVICE}/?range=7d")
    page.get_by_test_id("chart-latency").locator("canvas").wait_for()
    save_screenshot(page, "service-chart-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"


def test_node_list_draws_a_chart_per_node(_sync_db_under_playwright, transactional_db, page, operator, sandbox):
    sample_api_nodes()  # the node cache the list reads; its real samples make way for two known hours of traffic
    ApiNodeSample.objects.all().delete()
    store_samples(120, daily_wave=True)
    store_samples(120, per_minute=300, errors_per_minute=12, node="apinode-b", daily_wave=True)
    page.portal_login(operator)
    page.goto("/deployments/api-nodes/")
    page.get_by_test_id("node-chart").first.locator("canvas").wait_for()
    assert page.get_by_test_id("node-chart").count() == 2
    save_screenshot(page, "api-nodes-list")
    # The list re-renders itself through htmx: the swapped-in cards get their charts drawn again.
    page.evaluate("() => htmx.ajax('GET', location.pathname, {target: '#api-nodes', swap: 'innerHTML'})")
    page.get_by_test_id("node-chart").nth(1).locator("canvas").wait_for()
    assert page.locator("#api-nodes canvas").count() == 2
