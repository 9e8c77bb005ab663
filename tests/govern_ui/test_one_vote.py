"""One person, one vote, whatever the timing: parallel confirmations through the pages and the API (each its own
database connection, as separate web processes have) leave exactly one review by that person in Govern; the losers
get a 409 naming the action that stands. Run on SQLite and on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, transaction

from govern_ui.client import get_client
from govern_ui.models import ReviewAction
from portal.audit.models import AuditEvent
from tests.govern_ui.helpers import (
    DELEGATE_OP,
    PARALLEL,
    REVIEWS_OP,
    confirm,
    find_step,
    posts,
    race,
    reviews_by,
    signed_in,
)

pytestmark = pytest.mark.django_db(transaction=True)

@pytest.mark.parametrize("via", ["pages", "api", "pages and api"])
def test_ten_parallel_confirmations_leave_one_review_by_that_person_in_govern(sandbox, reviewer, via):
    art, step = find_step(sandbox.summary(), "NOT_STARTED", required=2)
    clients = signed_in(reviewer, PARALLEL)
    sandbox.reset_stats()

    def confirm_in_a_tab(i):
        key = uuid.uuid4().hex  # each tab or API client has its own idempotency key
        if via == "api" or (via == "pages and api" and i % 2):
            body = {"kind": "approve", "artifact_id": art, "step_id": step, "comment": f"client {i}",
                    "idempotency_key": key}
            return clients[i].post("/api/governance/actions/", body, content_type="application/json")
        return confirm(clients[i], art, step, "approve", key, comment=f"tab {i}")

    responses = race(PARALLEL, confirm_in_a_tab)

    winners = [r for r in responses if r.status_code in (201, 302)]
    losers = [r for r in responses if r.status_code == 409]
    assert len(winners) == 1 and len(losers) == PARALLEL - 1, [r.status_code for r in responses]
    action = ReviewAction.objects.get()
    assert action.state == "delivered"
    for response in losers:
        if response["Content-Type"].startswith("application/json"):
            body = response.json()
            assert "already reviewed" in body["detail"] and body["action"]["id"] == action.pk
            assert body["action"]["page"] == f"/governance/actions/{action.pk}/"
        else:
            html = response.content.decode()
            assert "already reviewed" in html and f"action #{action.pk}" in html
            assert f'href="/governance/actions/{action.pk}/"' in html
    assert posts(sandbox) == 1
    assert len(reviews_by(art, step, "alice")) == 1
    # A two-reviewer step is not approved on one person's word.
    assert get_client().get_sign_off(art, step).status == "IN_PROGRESS"


def test_ten_parallel_delegations_of_one_step_record_one(sandbox, reviewer, reviewer2, delegate):
    art, step = find_step(sandbox.summary(), "NOT_STARTED")
    clients = signed_in(reviewer, PARALLEL // 2) + signed_in(reviewer2, PARALLEL // 2)
    sandbox.reset_stats()

    def delegate_in_a_tab(i):
        body = {"kind": "delegate", "artifact_id": art, "step_id": step, "delegate_to": "carol",
                "comment": f"client {i}", "idempotency_key": uuid.uuid4().hex}
        return clients[i].post("/api/governance/actions/", body, content_type="application/json")

    responses = race(PARALLEL, delegate_in_a_tab)
    assert sorted(r.status_code for r in responses) == [201] + [409] * (PARALLEL - 1)
    assert ReviewAction.objects.filter(kind="delegate").count() == 1
    assert posts(sandbox, DELEGATE_OP) == 1
    assert get_client().get_sign_off(art, step).delegated_to == "carol"


def test_two_reviewers_approving_one_step_at_once_both_count_and_both_are_recorded(sandbox, reviewer, reviewer2):
    """The fault table's last row: two people racing on a two-reviewer step are not one person voting twice."""
    art, step = find_step(sandbox.summary(), "NOT_STARTED", required=2)
    clients = signed_in(reviewer, 1) + signed_in(reviewer2, 1)
    sandbox.reset_stats()

    responses = race(2, lambda i: confirm(clients[i], art, step, "approve", uuid.uuid4().hex, comment=f"person {i}"))

    assert [r.status_code for r in responses] == [302, 302]
    actions = ReviewAction.objects.order_by("govern_login")
    assert [(a.govern_login, a.state) for a in actions] == [("alice", "delivered"), ("bob", "delivered")]
    assert posts(sandbox) == 2
    assert len(reviews_by(art, step, "alice")) == 1 and len(reviews_by(art, step, "bob")) == 1
    assert get_client().get_sign_off(art, step).status == "APPROVED"
    # Each person's decision is in the history under their own name, delivered.
    delivered = AuditEvent.objects.filter(action="signoff.approve", target_id=f"{art}/{step}", outcome="delivered")
    assert sorted(e.actor.get_username() for e in delivered) == ["alice", "bob"]


def test_a_second_vote_later_is_refused_naming_the_first_and_nothing_is_sent(sandbox, reviewer, login):
    art, step = find_step(sandbox.summary(), "NOT_STARTED", required=2)
    client = login(reviewer)
    first = confirm(client, art, step, "reject", uuid.uuid4().hex, comment="no")
    action = ReviewAction.objects.get()
    assert first.status_code == 302 and action.state == "delivered"
    sandbox.reset_stats()
    api = client.post("/api/governance/actions/", {"kind": "approve", "artifact_id": art, "step_id": step,
                                                   "idempotency_key": uuid.uuid4().hex},
                      content_type="application/json")
    assert api.status_code == 409 and api.json()["action"]["id"] == action.pk
    page = confirm(client, art, step, "approve", uuid.uuid4().hex)
    assert page.status_code == 409 and f'href="/governance/actions/{action.pk}/"' in page.content.decode()
    assert posts(sandbox, REVIEWS_OP) == 0 and ReviewAction.objects.count() == 1


def test_the_database_itself_refuses_a_second_open_vote(sandbox, reviewer):
    fields = {"kind": "approve", "artifact_id": "art-x", "step_id": "s", "actor": reviewer, "govern_login": "alice"}
    ReviewAction.objects.create(idempotency_key="k" * 32, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewAction.objects.create(idempotency_key="m" * 32, **{**fields, "kind": "reject"})
    # A refused vote no longer counts: the person may vote again.
    ReviewAction.objects.update(state="refused")
    ReviewAction.objects.create(idempotency_key="n" * 32, **fields)
    # One delegation in force per step, whoever records it.
    ReviewAction.objects.create(idempotency_key="d" * 32, **{**fields, "kind": "delegate", "delegate_to": "carol"})
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewAction.objects.create(idempotency_key="e" * 32,
                                    **{**fields, "kind": "delegate", "govern_login": "bob", "delegate_to": "bob"})
