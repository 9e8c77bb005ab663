"""The queue that is mine, over HTTP against the sandbox: what is assigned to me (delegated to me, named in the
artifact's reviewers field, or a ROLE step my Govern roles may sign off), the second tab of everything I may review,
filters, sort, pages, human labels; and the self-review refusal."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client

from govern_ui.client import get_client
from govern_ui.mirror import read
from govern_ui.models import ReviewAction
from tests.conftest import _make_user
from tests.govern_ui.helpers import (
    REVIEWS_OP,
    action_url,
    confirm,
    fill_mirror,
    find_step,
    posts,
    refill_mirror,
)

pytestmark = pytest.mark.django_db(transaction=True)

ROW = re.compile(r'data-testid="queue-row" data-artifact="([^"]+)" data-step="([^"]+)"')


def rows(client, query=""):
    html = client.get(f"/governance/queue/{query}").content.decode()
    return ROW.findall(html), html


def fresh_index():
    """The queue's open steps once the mirror has read every artifact again (custom fields included)."""
    refill_mirror()
    return read.snapshot()


def pick(snapshot, *, assignee, free_of=("alice", "bob", "carol")):
    """An open, undelegated step of `assignee` type that none of `free_of` created, owns or reviewed."""
    for entry in snapshot.artifacts.values():
        for step in entry.steps:
            if (step.assignee_type == assignee and not step.delegated_to and not entry.owners & set(free_of)
                    and not step.reviewers & set(free_of)):
                return step
    raise AssertionError(f"no open {assignee} step")


def test_assigned_to_me_is_delegated_named_or_my_sign_off_role(sandbox, reviewer2, delegate, django_user_model):
    snapshot = fresh_index()
    named = pick(snapshot, assignee="USER")
    get_client().set_custom_fields(named.artifact_id, {"reviewers": ["bob"]})
    role_step = pick(snapshot, assignee="ROLE")
    snapshot = fresh_index()
    bob, carol = Client(), Client()
    bob.force_login(reviewer2)
    carol.force_login(delegate)

    bob_rows, html = rows(bob)
    assert (named.artifact_id, named.step_id) in bob_rows and "you are a named reviewer" in html
    assert (role_step.artifact_id, role_step.step_id) in bob_rows and "your Govern role" in html
    carol_rows, _ = rows(carol)
    assert (named.artifact_id, named.step_id) not in carol_rows
    carol_all, html = rows(carol, "?tab=all")
    assert (named.artifact_id, named.step_id) in carol_all and 'aria-current="page" data-testid="tab-all"' in html
    # Everything on "mine" is on "all"; each row is one bob may review.
    bob_all, _ = rows(bob, "?tab=all")
    assert set(bob_rows) <= set(bob_all)
    for art, step in bob_all:
        entry = snapshot.artifacts[art]
        assert "bob" not in entry.owners
        indexed = next(s for s in entry.steps if s.step_id == step)
        assert "bob" not in indexed.reviewers and indexed.delegated_to in ("", "bob")

    # A portal reviewer whose Govern roles do not allow sign-off gets no ROLE step, only what names them.
    grace = _make_user(django_user_model, "grace", "reviewer")
    grace_client = Client()
    grace_client.force_login(grace)
    grace_rows, _ = rows(grace_client)
    for art, step_id in grace_rows:
        indexed = next(s for s in snapshot.artifacts[art].steps if s.step_id == step_id)
        assert "grace" in snapshot.artifacts[art].named_reviewers or indexed.delegated_to == "grace"
    assert rows(grace_client, "?tab=all")[0], "she may still review what is not assigned to her"

    # The API says why each step is mine.
    body = bob.get("/api/governance/queue/").json()
    reasons = {(i["artifact_id"], i["step_id"]): i["assigned"] for i in body["items"]}
    assert reasons[(named.artifact_id, named.step_id)] == "named"
    assert reasons[(role_step.artifact_id, role_step.step_id)] == "role"
    assert body["tab"] == "mine" and body["counts"]["mine"] == body["total"] == len(bob_rows)


def test_the_queue_filters_sorts_pages_and_speaks_in_words(sandbox, reviewer2, login, settings):
    settings.GOVERN_QUEUE_PER_PAGE = 5
    snapshot = fresh_index()
    client = login(reviewer2)
    sandbox.reset_stats()
    first, html = rows(client, "?tab=all")
    assert sandbox.stats().get("govern", {}) == {}, "the queue never calls Govern"
    assert len(first) == 5 and "page 1 of" in html and 'rel="next"' in html
    total = int(re.search(r'data-testid="queue-total">(\d+) step', html).group(1))
    second, _ = rows(client, "?tab=all&page=2")
    assert len(second) == min(5, total - 5) and not set(first) & set(second)
    # Human labels and coloured chips, never the raw code; the waiting time in words, the date on hover.
    assert re.search(r'class="chip status-(not_started|in_progress|delegated)" title="[A-Z_]+">'
                     r'(Not started|In progress|Delegated)<', html)
    assert ">IN_PROGRESS<" not in html and ">NOT_STARTED<" not in html
    waited = r'title="Waiting since \d{4}-\d\d-\d\d \d\d:\d\d" data-testid="waited">\d+\s(day|week|month|year)s?<'
    assert re.search(waited, html)
    # Filters: blueprint and status.
    settings.GOVERN_QUEUE_PER_PAGE = 50
    datasets, _ = rows(client, "?tab=all&blueprint=bp-dataset")
    assert datasets and {snapshot.artifacts[a].blueprint_id for a, _ in datasets} == {"bp-dataset"}
    in_progress, _ = rows(client, "?tab=all&status=IN_PROGRESS")
    statuses = {next(s for s in snapshot.artifacts[a].steps if s.step_id == st).status for a, st in in_progress}
    assert statuses == {"IN_PROGRESS"}
    # Sort by artifact name.
    by_name, _ = rows(client, "?tab=all&sort=name")
    names = [snapshot.artifacts[a].name.casefold() for a, _ in by_name]
    assert names == sorted(names)
    api = client.get("/api/governance/queue/?tab=all&status=IN_PROGRESS").json()
    assert {i["status_label"] for i in api["items"]} == {"In progress"}
    assert client.get("/api/governance/queue/?sort=nonsense").status_code == 400


def test_the_creator_or_owner_cannot_sign_off_and_is_told_why(sandbox, reviewer, login):
    snapshot = fresh_index()
    own = next(e for e in snapshot.artifacts.values() if "alice" in e.owners and e.steps)
    step = own.steps[0]
    client = login(reviewer)
    all_rows, _ = rows(client, "?tab=all")
    assert not [r for r in all_rows if r[0] == step.artifact_id]
    page = client.get(action_url(step.artifact_id, step.step_id, "approve")).content.decode()
    assert "segregation of duties" in page and ("You created this artifact" in page or "You own this artifact" in page)
    sandbox.reset_stats()
    response = confirm(client, step.artifact_id, step.step_id, "approve", uuid.uuid4().hex)
    assert response.status_code == 409 and b"segregation of duties" in response.content
    api = client.post("/api/governance/actions/", {"kind": "approve", "artifact_id": step.artifact_id,
                                                   "step_id": step.step_id, "idempotency_key": uuid.uuid4().hex},
                      content_type="application/json")
    assert api.status_code == 409 and "segregation of duties" in api.json()["detail"]
    assert posts(sandbox, REVIEWS_OP) == 0 and not ReviewAction.objects.exists()


def test_self_review_may_be_allowed_by_setting(sandbox, reviewer, login, settings):
    settings.GOVERN_PREVENT_SELF_REVIEW = False
    snapshot = fresh_index()
    own = next(e for e in snapshot.artifacts.values() if "alice" in e.owners
               and any(not s.delegated_to and "alice" not in s.reviewers for s in e.steps))
    step = next(s for s in own.steps if not s.delegated_to and "alice" not in s.reviewers)
    page = login(reviewer).get(action_url(step.artifact_id, step.step_id, "approve")).content.decode()
    assert "segregation of duties" not in page and 'name="idempotency_key"' in page


def test_the_real_name_is_shown_on_the_timeline_the_queue_and_the_api(sandbox, reviewer, reviewer2, login):
    art, step = find_step(sandbox.summary(), "NOT_STARTED", required=2)
    alice = login(reviewer)
    done = confirm(alice, art, step, "approve", uuid.uuid4().hex, comment="Looks right")
    assert done.status_code == 302
    html = alice.get(f"/governance/artifacts/{art}/").content.decode()
    assert "Alice Martin</strong>, via the portal" in html and "(sent as Portal service account)" in html
    assert "[via portal: alice]" not in html and "Looks right" in html
    action_page = alice.get(done["Location"]).content.decode()
    assert "<strong>Alice Martin</strong>, via the portal" in action_page and "sent as svc-portal" in action_page
    body = alice.get(f"/api/governance/artifacts/{art}/").json()
    review = next(s for s in body["sign_offs"] if s["step_id"] == step)["reviews"][-1]
    assert review == {**review, "reviewer": "alice", "reviewer_name": "Alice Martin", "via_portal": True,
                      "sent_as": "svc-portal", "comment": "Looks right"}
    assert alice.get("/api/governance/actions/").json()["results"][0]["actor_name"] == "Alice Martin"
    fill_mirror()
    bob = Client()
    bob.force_login(reviewer2)
    html = bob.get("/governance/queue/?tab=all").content.decode()
    row = html[html.index(f'data-artifact="{art}" data-step="{step}"'):]
    assert "Reviewed so far by Alice Martin" in row[:row.index("</tr>")]


def test_after_a_decision_the_next_step_in_my_queue_is_offered(sandbox, reviewer, login):
    fill_mirror()
    client = login(reviewer)
    mine, _ = rows(client)
    art, step = mine[0]
    done = confirm(client, art, step, "approve", uuid.uuid4().hex)
    page = client.get(done["Location"]).content.decode()
    link = r'data-testid="next-in-queue">.*?href="/governance/artifacts/([^/]+)/\?back=/governance/queue/#step-([^"]+)"'
    nxt = re.search(link, page, re.S)
    assert nxt and nxt.groups() == mine[1]
    # The artifact page's back link returns to the queue the reviewer came from.
    artifact = client.get(f"/governance/artifacts/{art}/?back=/governance/queue/%3Ftab%3Dall").content.decode()
    assert 'href="/governance/queue/?tab=all" data-testid="back-link">← My queue<' in artifact
    foreign = client.get(f"/governance/artifacts/{art}/?back=https://evil.example/").content.decode()
    assert 'href="/governance/artifacts/" data-testid="back-link">← Artifacts<' in foreign
