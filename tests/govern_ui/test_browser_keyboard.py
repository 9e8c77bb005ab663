"""Keyboard, focus, small screens and the dark theme in headless Chromium: j/k and a/r/d on the queue and the
artifact (never inside a text field), focus on the first field when a form opens and on the error summary after a
failed submit, aria-describedby naming real elements; the queue at 390 px and an artifact in the dark theme
(screenshots in test-artifacts/)."""

from __future__ import annotations

import pytest

from tests.conftest import save_screenshot
from tests.govern_ui.helpers import action_url, fill_mirror, find_step

pytestmark = pytest.mark.browser

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
DESCRIBED_BY = """el => (el.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean)
                          .map(id => [id, !!document.getElementById(id)])"""


def active(page, expression="el.id"):
    return page.evaluate(f"(() => {{ const el = document.activeElement; return {expression}; }})()")


def sign_in(context, user):
    pg = context.new_page()
    pg.set_default_timeout(15000)
    pg.goto("/login/")
    pg.fill("#id_username", user.username)
    pg.fill("#id_password", "pw-" + user.username)
    pg.click("button[type=submit]")
    pg.wait_for_url(lambda url: "/login" not in url)
    return pg


def test_queue_shortcuts_move_and_open_forms_but_never_fire_while_typing(
    django_db_setup, transactional_db, live_server, page, reviewer
):
    fill_mirror()
    page.portal_login(reviewer)
    page.goto("/governance/queue/")
    rows = page.get_by_test_id("queue-row")
    first, second = rows.nth(0), rows.nth(1)
    page.keyboard.press("j")
    assert active(page, "el.dataset.step") == first.get_attribute("data-step")
    page.keyboard.press("j")
    assert active(page, "el.dataset.artifact + '/' + el.dataset.step") == (
        f"{second.get_attribute('data-artifact')}/{second.get_attribute('data-step')}")
    page.keyboard.press("k")
    assert active(page, "el.dataset.step") == first.get_attribute("data-step")
    expected = f"/artifacts/{first.get_attribute('data-artifact')}/steps/{first.get_attribute('data-step')}/approve/"
    page.keyboard.press("a")
    page.wait_for_url(lambda url: url.endswith(expected))

    # The form opens with the keyboard in its first field; typing shortcut letters there types them.
    assert active(page) == "id_comment"
    page.keyboard.type("jkard")
    assert page.url.endswith("/approve/") and page.input_value("#id_comment") == "jkard"
    for target, exists in page.locator("#id_comment").evaluate(DESCRIBED_BY):
        assert exists, f"aria-describedby names a missing element: {target}"


def test_a_failed_submit_puts_focus_on_the_error_summary(django_db_setup, transactional_db, live_server, page,
                                                        reviewer, sandbox):
    art, step = find_step(sandbox.summary(), "IN_PROGRESS")
    page.portal_login(reviewer)
    page.goto(action_url(art, step, "reject"))
    assert active(page) == "id_comment"
    page.get_by_role("button", name="Continue to confirmation").click()
    page.wait_for_load_state()
    assert active(page) == "error-summary"
    assert "A rejection needs a comment" in page.locator("#error-summary").inner_text()
    described = dict(page.locator("#id_comment").evaluate(DESCRIBED_BY))
    assert described == {"id_comment_helptext": True, "id_comment_error": True}
    assert page.locator("#id_comment").get_attribute("aria-invalid") == "true"


def test_artifact_shortcuts_open_the_delegate_form_of_a_step(django_db_setup, transactional_db, live_server, page,
                                                             reviewer, sandbox):
    art, step = find_step(sandbox.summary(), "NOT_STARTED")
    page.portal_login(reviewer)
    page.goto(f"/governance/artifacts/{art}/")
    page.locator(f"#step-{step}").focus()
    page.keyboard.press("d")
    page.wait_for_url(lambda url: url.endswith(f"/steps/{step}/delegate/"))
    assert active(page) == "id_delegate_to"
    page.keyboard.type("Carol Nguyen")
    assert page.url.endswith("/delegate/")


def test_the_queue_is_cards_at_390_px_and_an_artifact_reads_in_the_dark_theme(
    django_db_setup, transactional_db, live_server, browser, reviewer, sandbox, settings
):
    settings.GOVERN_QUEUE_PER_PAGE = 4  # a short page: the screenshot shows the cards and the pager
    fill_mirror()
    phone = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844},
                                device_scale_factor=1)
    try:
        pg = sign_in(phone, reviewer)
        pg.goto("/governance/queue/?tab=all")
        pg.get_by_test_id("queue-row").first.wait_for()
        assert pg.evaluate(NO_SIDEWAYS_SCROLL)
        assert pg.get_by_test_id("queue-row").first.evaluate("el => getComputedStyle(el).display") == "block"
        save_screenshot(pg, "queue-390")
    finally:
        phone.close()

    art, _ = find_step(sandbox.summary(), "IN_PROGRESS", required=2)  # a timeline with a review
    dark = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                               color_scheme="dark")
    try:
        pg = sign_in(dark, reviewer)
        pg.goto(f"/governance/artifacts/{art}/")
        background = pg.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(18, 22, 28)", background
        save_screenshot(pg, "artifact-dark")
        # The toggle is remembered: light stays light after a reload, whatever the system says.
        toggle = pg.locator("[data-theme-toggle]")
        assert toggle.inner_text() == "Dark theme" and toggle.get_attribute("aria-pressed") == "true"
        toggle.click()
        pg.reload()
        assert pg.locator("[data-theme-toggle]").get_attribute("aria-pressed") == "false"
        assert pg.evaluate("document.documentElement.dataset.theme") == "light"
        assert pg.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(246, 247, 249)"
    finally:
        dark.close()
