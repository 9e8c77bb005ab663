"""Browsing pages: blueprints, artifacts, artifact detail, queue and badge, roles and users, errors."""

from __future__ import annotations

import math
import re

import pytest
from django.core.cache import cache

from govern_ui.client import get_client
from govern_ui.mirror import read as mirror
from sandbox.seed import (
    DEFAULT_ARTIFACT_COUNT,
    FIRST_ARTIFACT,
    FIRST_STEP,
    HOSTILE_ARTIFACT,
    HOSTILE_SCRIPT,
)
from tests.govern_ui.helpers import confirm, fill_mirror, find_step, open_form


def test_blueprint_detail_shows_fields_steps_workflow_and_versions(sandbox, auditor, login):
    client = login(auditor)
    page = client.get("/governance/blueprints/").content.decode()
    assert "Governed model" in page and "/governance/blueprints/bp-model/" in page
    page = client.get("/governance/blueprints/bp-model/").content.decode()
    for text in ["Risk tier", "MULTISELECT", "Critical", "Technical review", "2 reviewers required", "by role",
                 "Transitions", "PUBLISHED", "ARCHIVED", "DRAFT"]:
        assert text in page, text
    version = client.get("/governance/blueprints/bp-model/versions/bp-model-v1/").content.decode()
    assert "ARCHIVED" in version and "Technical review" in version and "Compliance review" not in version


@pytest.mark.parametrize(
    "url",
    [
        "/governance/artifacts/art-9999/",
        f"/governance/artifacts/{FIRST_ARTIFACT}/steps/no-such-step/",
        f"/governance/artifacts/{FIRST_ARTIFACT}/steps/no-such-step/approve/",
        f"/governance/artifacts/art-9999/steps/{FIRST_STEP}/reject/",
        "/governance/blueprints/bp-nope/",
        "/governance/blueprints/bp-model/versions/bp-model-v42/",
        "/governance/actions/999999/",
    ],
)
def test_unknown_ids_give_the_friendly_404(sandbox, reviewer, login, url):
    response = login(reviewer).get(url)
    assert response.status_code == 404
    assert b"Not found" in response.content and b"Back to the overview" in response.content


def test_hostile_artifact_renders_escaped(sandbox, reviewer, login):
    client = login(reviewer)
    fill_mirror()
    pages = [
        client.get(f"/governance/artifacts/{HOSTILE_ARTIFACT}/").content.decode(),
        client.get("/governance/artifacts/?q=churn+model").content.decode(),
        client.get(f"/governance/artifacts/{HOSTILE_ARTIFACT}/steps/{FIRST_STEP}/").content.decode(),
    ]
    for html in pages:
        assert HOSTILE_SCRIPT not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    detail = pages[0]
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in detail
    # LONG_TEXT keeps its lines, escaped; an entity in Govern's text is shown as text, not decoded.
    assert "First line &lt;script&gt;alert(1)&lt;/script&gt;<br>Second line" in detail
    assert "&amp;amp; &amp;lt;b&amp;gt;" in detail


def test_custom_fields_render_by_blueprint_type(sandbox, reviewer, login):
    art = get_client().get_artifact(FIRST_ARTIFACT)
    users = {u.login: u.display_name for u in get_client().list_users()}
    html = login(reviewer).get(f"/governance/artifacts/{FIRST_ARTIFACT}/").content.decode()
    row = lambda field_id: re.search(rf'data-field="{field_id}"[^>]*>(.*?)</tr>', html, re.S).group(1)  # noqa: E731
    fields = art.custom_fields
    assert f'<time datetime="{fields["review_date"]}">' in row("review_date")
    assert f'<span class="chip">{fields["risk_tier"]}</span>' in row("risk_tier")
    for region in fields["regions"]:
        assert f'<span class="chip">{region}</span>' in row("regions")
    assert ("Yes" if fields["uses_pii"] else "No") in row("uses_pii")
    assert users[fields["owner"]] in row("owner")
    for login_ in fields["reviewers"]:
        assert users[login_] in row("reviewers")
    assert "<br>" in row("description")
    # One panel per sign-off step, with status chips and the actions alice may take.
    for sign_off in get_client().list_sign_offs(FIRST_ARTIFACT):
        assert f'id="step-{sign_off.step_id}"' in html
    assert 'data-testid="step-status"' in html


def test_artifact_list_filters_searches_sorts_and_pages(sandbox, operator, login, settings):
    settings.GOVERN_ARTIFACTS_PER_PAGE = 10
    client = login(operator)
    fill_mirror()
    everything = get_client().list_artifacts()
    page = client.get("/governance/artifacts/").content.decode()
    pages = math.ceil(DEFAULT_ARTIFACT_COUNT / settings.GOVERN_ARTIFACTS_PER_PAGE)
    assert f"{len(everything)} artifacts" in page and f"Page 1 of {pages}" in page
    datasets = [a for a in everything if a.blueprint_id == "bp-dataset"]
    page = client.get("/governance/artifacts/?blueprint=bp-dataset").content.decode()
    assert f"{len(datasets)} artifact" in page
    status = everything[0].status
    page = client.get(f"/governance/artifacts/?status={status}&blueprint=bp-model").content.decode()
    expected = [a for a in everything if a.status == status and a.blueprint_id == "bp-model"]
    assert f"{len(expected)} artifact" in page
    page = client.get("/governance/artifacts/?q=FRAUD").content.decode()
    assert f"{sum('fraud' in a.name.lower() for a in everything)} artifact" in page
    # Sorted by creation, newest first: the first row is the newest artifact.
    newest = max(everything, key=lambda a: a.created_on)
    page = client.get("/governance/artifacts/?sort=created&desc=1").content.decode()
    assert page.index(f"/governance/artifacts/{newest.id}/") < page.index("<tbody>") + 400
    # A later page, and the htmx partial without the layout.
    page = client.get("/governance/artifacts/?sort=name&page=2").content.decode()
    assert f"Page 2 of {pages}" in page
    partial = client.get("/governance/artifacts/?q=nothing-matches", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "No artifact matches" in partial
    # The list is read from the Govern mirror: no page of it calls Govern, and the mirror's age is shown.
    sandbox.reset_stats()
    assert 'data-testid="mirror-age"' in client.get("/governance/artifacts/?sort=status").content.decode()
    client.get("/governance/artifacts/?sort=modified")
    assert sandbox.stats().get("govern", {}) == {}


def test_queue_lists_open_steps_for_the_reviewer_oldest_first(sandbox, reviewer, delegate, login):
    fill_mirror()
    client = login(reviewer)
    sandbox.reset_stats()
    html = client.get("/governance/queue/").content.decode()
    assert sandbox.stats().get("govern", {}) == {}, "the queue never calls Govern"
    rows = re.findall(r'data-testid="queue-row" data-artifact="([^"]+)" data-step="([^"]+)"', html)
    assert rows
    snapshot = mirror.snapshot()
    since = {(s.artifact_id, s.step_id): s.waiting_since for s in snapshot.open_steps()}
    ages = [since[row] for row in rows]
    assert ages == sorted(ages)
    for art, step in rows:
        sign_off = get_client().get_sign_off(art, step)
        assert not sign_off.is_decided
        assert "alice" not in {r.reviewer for r in sign_off.reviews}
        assert sign_off.delegated_to in ("", "alice")
    badge = re.search(r'data-testid="queue-badge"[^>]*>(\d+)<', html)
    assert badge and int(badge.group(1)) == len(rows)
    # The step delegated to carol is in her queue, marked so, and not in alice's.
    art, step = find_step(sandbox.summary(), "DELEGATED", delegated=True, free_for=None, not_owned_by=("carol",))
    assert (art, step) not in rows
    carol = login(delegate).get("/governance/queue/").content.decode()
    assert f'data-artifact="{art}" data-step="{step}"' in carol and "delegated to you" in carol


def test_acting_removes_the_step_from_the_queue(sandbox, reviewer, login):
    fill_mirror()
    client = login(reviewer)
    html = client.get("/governance/queue/").content.decode()
    art, step = re.search(r'data-testid="queue-row" data-artifact="([^"]+)" data-step="([^"]+)"', html).groups()
    count = int(re.search(r'data-testid="queue-badge"[^>]*>(\d+)<', html).group(1))
    confirm(client, art, step, "approve", open_form(client, art, step, "approve"), comment="done")
    html = client.get("/governance/queue/").content.decode()
    assert f'data-artifact="{art}" data-step="{step}"' not in html
    assert int(re.search(r'data-testid="queue-badge"[^>]*>(\d+)<', html).group(1)) == count - 1


def test_cold_queue_shows_loading_and_polls(sandbox, reviewer, login):
    client = login(reviewer)
    sandbox.reset_stats()
    html = client.get("/governance/queue/").content.decode()
    assert "Loading the sign-offs" in html and 'hx-trigger="every 2s"' in html
    assert 'data-testid="queue-badge"' not in html
    assert sandbox.stats().get("govern", {}) == {}
    fill_mirror()
    poll = client.get("/governance/queue/", HTTP_HX_REQUEST="true")
    assert poll.status_code == 286 and b"Loading" not in poll.content


def test_queue_is_for_reviewers(sandbox, operator, login):
    assert login(operator).get("/governance/queue/").status_code == 403


def test_roles_and_users_are_listed(sandbox, auditor, login):
    client = login(auditor)
    roles = client.get("/governance/roles/").content.decode()
    assert "reviewer" in roles and "govern-admin" in roles
    users = client.get("/governance/users/").content.decode()
    for user in get_client().list_users():
        assert user.login in users


def test_outsider_cannot_read_governance_pages(sandbox, outsider, login):
    assert login(outsider).get("/governance/artifacts/").status_code == 403


def test_govern_down_shows_a_banner_naming_it(sandbox, faults, auditor, login):
    faults(target="govern", down=True)
    response = login(auditor).get("/governance/artifacts/")
    assert response.status_code == 200
    assert b"banner-error" in response.content and b"Govern" in response.content


@pytest.mark.django_db(transaction=True)  # the home page computes its sections in threads of their own
def test_home_page_counts_artifacts_and_open_sign_offs_from_the_mirror(sandbox, reviewer, login):
    client = login(reviewer)
    html = client.get("/").content.decode()
    assert 'data-testid="pending-count">…<' in html  # the mirror was never filled
    fill_mirror()
    cache.delete("overview:govern")
    summary = sandbox.summary()["signOffs"]
    open_steps = sum(len(summary.get(s, [])) for s in ("NOT_STARTED", "IN_PROGRESS", "DELEGATED"))
    sandbox.reset_stats()
    html = client.get("/").content.decode()
    assert re.search(rf'data-testid="artifact-count">{DEFAULT_ARTIFACT_COUNT}<', html)
    assert re.search(rf'data-testid="pending-count">{open_steps}<', html)
    assert sandbox.stats().get("govern", {}) == {}
