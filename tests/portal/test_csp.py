"""Content-Security-Policy: sent on every page, no inline script, handler or style attribute in any template, and no
violation reported by headless Chromium on the main pages."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from sandbox.seed import FIRST_ARTIFACT
from tests.deployer_ui.test_charts import SERVICE, store_samples

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)


def _templates():
    for directory in TEMPLATE_DIRS:
        yield from directory.rglob("*.html")


@pytest.mark.unit
def test_no_template_has_inline_script_handler_or_style_attribute():
    found = []
    for path in _templates():
        text = path.read_text()
        for rule in (INLINE_SCRIPT, HANDLER_ATTRIBUTE, STYLE_ATTRIBUTE):
            found += [f"{path.relative_to(ROOT)}: {m.group(0).strip()}" for m in rule.finditer(text)]
    assert found == []


def test_every_page_sends_a_policy_without_unsafe_inline(client, db):
    policy = client.get("/login/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.fixture(scope="module")
def _sync_db_under_playwright():
    # As in the other browser tests: Playwright's sync API keeps an event loop running in this thread.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.mark.browser
def test_main_pages_report_no_policy_violation_in_chromium(_sync_db_under_playwright, transactional_db, page,
                                                            admin_user, sandbox):
    store_samples(60, per_minute=100, errors_per_minute=1)
    admin_user.groups.add(Group.objects.get_or_create(name="reviewer")[0])  # the queue is a reviewer's page
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(msg.text))
    page.on("pageerror", lambda err: messages.append(str(err)))
    page.portal_login(admin_user)
    urls = [
        "/",
        "/governance/artifacts/",
        f"/governance/artifacts/{FIRST_ARTIFACT}/",
        "/governance/queue/",
        "/deployments/",
        "/deployments/d/reco-test-warns/",
        "/deployments/tasks/",
        "/deployments/api-nodes/",
        f"/deployments/api-nodes/apinode-a/services/{SERVICE}/",
        "/audit/",
    ]
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, url
        assert "script-src 'self'" in response.headers["content-security-policy"], url
        page.wait_for_load_state("networkidle")
    violations = [m for m in messages if "Content Security Policy" in m or "Refused to" in m]
    assert violations == []
