"""Safe delegation against the sandbox: only people who may review the step are offered and accepted (never the
service account, an auditor, an operator or oneself); a name, a login or "Name (login)" is accepted; who delegated,
when and why is shown on the step; an administrator hands a delegated step back or to someone else, audited."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from govern_ui.client import get_client
from govern_ui.models import ReviewAction
from portal.audit.models import AuditEvent
from tests.govern_ui.helpers import DELEGATE_OP, action_url, confirm, find_step, form_key, open_form, posts

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "typed, reason",
    [
        ("svc-portal", "is the portal&#x27;s service account"),
        ("erin", "Erin Schmidt (erin) may not sign off steps"),
        ("Dave Okafor", "Dave Okafor (dave) may not sign off steps"),
        ("alice", "You cannot delegate a step to yourself."),
        ("Alice Martin (alice)", "You cannot delegate a step to yourself."),
    ],
)
def test_delegation_to_the_service_account_an_auditor_an_operator_or_oneself_is_refused(
    sandbox, reviewer, login, typed, reason
):
    art, step = find_step(sandbox.summary(), "NOT_STARTED")
    client = login(reviewer)
    form = client.get(action_url(art, step, "delegate")).content.decode()
    for never in ('value="svc-portal"', 'value="erin"', 'value="dave"', 'value="alice"'):
        assert never not in form
    response = confirm(client, art, step, "delegate", open_form(client, art, step, "delegate"), delegate_to=typed)
    assert response.status_code == 400 and reason in response.content.decode()
    api = client.post("/api/governance/actions/", {"kind": "delegate", "artifact_id": art, "step_id": step,
                                                   "delegate_to": typed, "idempotency_key": uuid.uuid4().hex},
                      content_type="application/json")
    assert api.status_code == 400 and "delegate_to" in api.json()
    assert posts(sandbox, DELEGATE_OP) == 0 and not ReviewAction.objects.exists()


@pytest.mark.parametrize("typed", ["Carol Nguyen", "carol nguyen", "Carol Nguyen (carol)", "carol"])
def test_a_delegate_is_accepted_by_name_login_or_picker_label(sandbox, reviewer, login, typed):
    art, step = find_step(sandbox.summary(), "NOT_STARTED")
    client = login(reviewer)
    key = open_form(client, art, step, "delegate")
    page = client.post(action_url(art, step, "delegate"), {"idempotency_key": key, "delegate_to": typed})
    assert page.status_code == 200 and b"Please confirm" in page.content
    assert b'name="delegate_to" value="carol"' in page.content


def test_the_step_shows_who_delegated_when_and_why_and_an_admin_hands_it_back(
    sandbox, reviewer, delegate, admin_user, login
):
    art, step = find_step(sandbox.summary(), "NOT_STARTED")
    alice = login(reviewer)
    done = confirm(alice, art, step, "delegate", open_form(alice, art, step, "delegate"), delegate_to="carol",
                   comment="You know this model")
    assert done.status_code == 302
    html = alice.get(f"/governance/artifacts/{art}/steps/{step}/").content.decode()
    delegation = html[html.index('data-testid="delegation"'):]
    delegation = delegation[:delegation.index("</p>")]
    assert "Carol Nguyen" in delegation and "by <strong>Alice Martin</strong>" in delegation
    assert "You know this model" in delegation and "<time datetime=" in delegation

    # The admin (not a reviewer) may hand it back to alice (or on to someone else); nobody else may.
    frank = Client()
    frank.force_login(admin_user)
    page = frank.get(f"/governance/artifacts/{art}/").content.decode()
    assert f"/governance/artifacts/{art}/steps/{step}/reassign/" in page
    form = frank.get(f"/governance/artifacts/{art}/steps/{step}/reassign/").content.decode()
    assert 'value="alice"' in form and 'value="carol"' not in form and 'value="frank"' not in form
    assert alice.get(f"/governance/artifacts/{art}/steps/{step}/reassign/").status_code == 403
    key = form_key(form)
    back = frank.post(f"/governance/artifacts/{art}/steps/{step}/reassign/",
                      {"idempotency_key": key, "confirm": "1", "delegate_to": "Alice Martin",
                       "comment": "Carol is away"})
    assert back.status_code == 302, back.content[:2000]
    sign_off = get_client().get_sign_off(art, step)
    assert (sign_off.status, sign_off.delegated_to) == ("DELEGATED", "alice")
    reassign = ReviewAction.objects.get(actor=admin_user)
    assert (reassign.state, reassign.reassigned_from, reassign.delegate_to) == ("delivered", "carol", "alice")
    assert ReviewAction.objects.get(actor=reviewer).closed_at is not None
    audited = AuditEvent.objects.filter(action="signoff.reassign", actor_username="frank")
    assert set(audited.values_list("outcome", flat=True)) == {"pending", "delivered"}
    assert audited.first().input["reassigned_from"] == "carol"
    html = alice.get(f"/governance/artifacts/{art}/steps/{step}/").content.decode()
    assert "handed on from Carol Nguyen" in html and "Carol is away" in html
    # Alice, the delegate now, may review it.
    assert 'Approve…' in html


def test_the_delegate_may_hand_the_step_on_and_an_admin_reassigns_through_the_api(
    sandbox, reviewer, reviewer2, delegate, admin_user, login
):
    art, step = find_step(sandbox.summary(), "NOT_STARTED")
    alice = login(reviewer)
    confirm(alice, art, step, "delegate", open_form(alice, art, step, "delegate"), delegate_to="carol")
    carol = Client()
    carol.force_login(delegate)
    form = carol.get(action_url(art, step, "delegate")).content.decode()
    assert "Hand back or delegate" in form
    done = confirm(carol, art, step, "delegate", open_form(carol, art, step, "delegate"), delegate_to="bob")
    assert done.status_code == 302 and get_client().get_sign_off(art, step).delegated_to == "bob"

    frank = Client()
    frank.force_login(admin_user)
    body = {"kind": "delegate", "artifact_id": art, "step_id": step, "delegate_to": "carol", "reassign": True,
            "idempotency_key": uuid.uuid4().hex}
    assert alice.post("/api/governance/actions/", body, content_type="application/json").status_code == 403
    answer = frank.post("/api/governance/actions/", body, content_type="application/json")
    assert answer.status_code == 201 and answer.json()["reassigned_from"] == "bob"
    assert get_client().get_sign_off(art, step).delegated_to == "carol"
    detail = alice.get(f"/api/governance/artifacts/{art}/").json()
    panel = next(s for s in detail["sign_offs"] if s["step_id"] == step)
    assert panel["delegation"]["by"] == "frank" and panel["delegation"]["to_name"] == "Carol Nguyen"
