"""An operator deploys a bad bundle in headless Chromium, watches it fail, rolls back from the failed update's page and
follows the rollback live to success."""

from __future__ import annotations

import os
import re

import pytest

from deployer_ui.client import get_client
from tests.conftest import save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.worker]
DEPLOYMENT = "churn-dev"


@pytest.fixture(scope="module", autouse=True)
def _sync_db_under_playwright():
    # As in test_browser.py: Playwright's sync API keeps an event loop running in this thread.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def test_operator_rolls_back_a_failed_update_and_follows_it_live(
    _sync_db_under_playwright, clean_broker, celery_worker_factory, page, operator, sandbox
):
    good = get_client().get_deployment_settings(DEPLOYMENT).bundle_id
    bad = next(b.id for b in get_client().get_deployment(DEPLOYMENT).packages if b.id != good)
    sandbox.config(future_seconds=1, failing_bundles=[bad])
    celery_worker_factory("w1")
    page.portal_login(operator)
    page.goto(f"/deployments/d/{DEPLOYMENT}/bundle/")
    page.select_option("select[name=bundle]", bad)
    page.get_by_role("button", name="Continue").click()
    page.get_by_test_id("confirm").click()
    page.wait_for_url("**/deployments/updates/*/")
    failed_url = page.url
    rollback = page.get_by_test_id("rollback")
    rollback.wait_for(timeout=20000)  # swapped in by htmx when the update ended in error, no reload
    assert "Error" in page.get_by_test_id("outcome").inner_text()
    assert page.locator(".msg-success").count() == 0
    assert rollback.inner_text().startswith(f"Roll back to {good}")
    save_screenshot(page, "failed-update")

    sandbox.config(future_seconds=12)  # slow enough to watch
    rollback.click()
    assert page.get_by_test_id("target-bundle").inner_text() == good
    page.get_by_test_id("confirm").click()
    page.wait_for_url(lambda url: url != failed_url and "/deployments/updates/" in url)
    assert page.locator("h1").inner_text() == f"Roll {DEPLOYMENT} back to {good}"
    assert page.get_by_test_id("update-bundle").inner_text() == f"{bad} → {good}"
    page.wait_for_function(
        "() => Number(document.querySelector('[role=progressbar]')?.getAttribute('aria-valuenow')) >= 25",
        timeout=20000)  # progress moves by htmx polling
    assert page.get_by_test_id("update-progress").get_attribute("data-state") == "running"
    assert re.match(r"\d+% · last checked with the Deployer at", page.get_by_test_id("progress-text").inner_text())
    save_screenshot(page, "rollback-progress")

    page.get_by_test_id("outcome").wait_for(timeout=30000)
    assert "Success" in page.get_by_test_id("outcome").inner_text()
    assert get_client().get_deployment_settings(DEPLOYMENT).bundle_id == good
    page.goto(f"/deployments/d/{DEPLOYMENT}/")
    rows = page.get_by_test_id("history-bundle").all_inner_texts()
    assert rows[:2] == [f"{bad} → {good}", f"{good} → {bad}"]
    page.get_by_test_id("history").scroll_into_view_if_needed()
    save_screenshot(page, "deployment-history")
