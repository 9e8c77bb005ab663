"""The audit page in headless Chromium, as the auditor: a desk and a phone width, and filtering from the keyboard."""

from __future__ import annotations

import os

import pytest

from portal.audit.service import record
from portal.audit.verify import run_verification
from sandbox.seed import FIRST_ARTIFACT, FIRST_STEP
from tests.conftest import save_screenshot


@pytest.fixture(scope="session")
def db_from_playwright_thread():
    # As in tests/govern_ui/test_browser.py: Playwright's loop lives in this thread for the whole session.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def _seed(reviewer, operator):
    record(actor=reviewer, action="signoff.approve", target_type="signoff", target_id="art-0012/technical-review",
           outcome="pending", input={"comment": "Model card complete; drift monitoring in place.", "action_id": 1})
    record(actor=reviewer, action="signoff.approve", target_type="signoff", target_id="art-0012/technical-review",
           outcome="delivered", upstream_status=200, input={"action_id": 1})
    record(actor=None, actor_name="carol", source="observed", action="govern.review", target_type="signoff",
           target_id="art-0031/business-review", blueprint_id="bp-model", outcome="REJECTED",
           input={"comment": "=cmd|' /C calc'!A0 <b>not bold</b>"}, natural_key="demo:1")
    record(actor=operator, action="deployment.update", target_type="deployment", target_id="churn-prod",
           outcome="failed", upstream_status=503, detail="Deployer cannot be reached (HTTP 503)",
           input={"bundle_id": "v12"})
    record(actor=None, actor_name="mallory", action="auth.login_failed", target_type="user", target_id="mallory",
           outcome="failed")


@pytest.mark.browser
def test_the_auditor_reads_and_filters_the_audit_log(
    django_db_setup, db_from_playwright_thread, transactional_db, live_server, page, auditor, reviewer, operator
):
    _seed(reviewer, operator)
    run_verification("beat")
    page.portal_login(auditor)
    page.goto("/audit/")
    assert page.get_by_role("heading", name="Audit log").is_visible()
    assert "Chain intact." in page.locator("#audit-verify").inner_text()
    assert page.locator(".au-table tbody tr").count() >= 6
    save_screenshot(page, "audit-list-1280")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/audit/")
    save_screenshot(page, "audit-list-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Keyboard only: focus the actor field, type, submit with Enter; the URL carries the filter.
    page.goto("/audit/")
    page.get_by_label("Actor").focus()
    page.keyboard.type("carol")
    page.keyboard.press("Enter")
    page.wait_for_url("**/audit/?*actor=carol*")
    rows = page.locator(".au-table tbody tr")
    assert rows.count() == 1 and "govern.review" in rows.first.inner_text()
    rows.first.get_by_role("link", name="Event").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/audit/events/*/")
    assert "<b>not bold</b>" in page.locator(".au-json").inner_text()  # shown as text, not markup
    save_screenshot(page, "audit-event-1280")

    page.goto("/audit/?since=not-a-date")
    assert "These filters cannot be used" in page.get_by_role("alert").inner_text()

    # The artifact page's history tab (any signed-in user reads it; the auditor here).
    record(actor=reviewer, action="signoff.delegate", target_type="signoff", target_id=f"{FIRST_ARTIFACT}/{FIRST_STEP}",
           outcome="delivered", upstream_status=200, input={"delegate_to": "bob", "comment": "Away this week"})
    page.goto(f"/governance/artifacts/{FIRST_ARTIFACT}/")
    history = page.locator("#events")
    assert "signoff.delegate" in history.inner_text() and "→ bob" in history.inner_text()
    history.scroll_into_view_if_needed()
    save_screenshot(page, "audit-artifact-history-1280")
