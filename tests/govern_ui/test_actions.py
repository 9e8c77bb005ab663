"""Approve, reject and delegate from the browser's point of view (Django test client), against the sandbox."""

from __future__ import annotations

import pytest
from django.test import Client

from govern_ui.client import get_client
from govern_ui.models import ReviewAction
from govern_ui.tasks import deliver_pending_actions
from portal.audit.models import AuditEvent
from portal.lib import upstream
from sandbox.seed import FIRST_ARTIFACT, FIRST_STEP
from tests.govern_ui.helpers import (
    DELEGATE_OP,
    action_url,
    confirm,
    find_step,
    open_form,
    posts,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_reviewer_approves_after_confirmation_and_govern_records_it(sandbox, reviewer, login):
    art, step = find_step(sandbox.summary(), "NOT_STARTED", required=1)
    client = login(reviewer)
    key = open_form(client, art, step, "approve")

    # First POST: the confirmation page, showing artifact, step and outcome; nothing is sent yet.
    page = client.post(action_url(art, step, "approve"), {"idempotency_key": key, "comment": "Ship it\nnow"})
    html = page.content.decode()
    assert page.status_code == 200 and "Please confirm" in html
    assert 'data-testid="confirm-outcome"' in html and "APPROVE" in html
    assert get_client().get_artifact(art).name.split()[0] in html
    assert posts(sandbox) == 0 and not ReviewAction.objects.exists()

    done = confirm(client, art, step, "approve", key, comment="Ship it\nnow")
    action = ReviewAction.objects.get()
    assert done.status_code == 302 and done["Location"].endswith(f"/governance/actions/{action.pk}/")
    assert action.state == "delivered" and action.govern_login == "alice"

    sign_off = get_client().get_sign_off(art, step)
    assert sign_off.status == "APPROVED"
    review = sign_off.reviews[-1]
    assert review.reviewer == "svc-portal" and review.comment == "[via portal: alice] Ship it\nnow"

    page = client.get(done["Location"])
    assert b'data-testid="action-state">Delivered' in page.content
    outcomes = list(AuditEvent.objects.filter(target_type="signoff", target_id=f"{art}/{step}").values_list(
        "outcome", "upstream_status", "actor_username"))
    assert sorted(outcomes) == [("delivered", 200, "alice"), ("pending", None, "alice")]


def test_reviewer_rejects_with_a_comment(sandbox, reviewer, login):
    art, step = find_step(sandbox.summary(), "IN_PROGRESS")
    client = login(reviewer)
    key = open_form(client, art, step, "reject")
    confirm(client, art, step, "reject", key, comment="Missing bias analysis")
    sign_off = get_client().get_sign_off(art, step)
    assert sign_off.status == "REJECTED"
    assert sign_off.reviews[-1].comment == "[via portal: alice] Missing bias analysis"
    assert ReviewAction.objects.get().state == "delivered"


def test_reject_without_comment_is_a_form_error(sandbox, reviewer, login):
    art, step = find_step(sandbox.summary(), "IN_PROGRESS")
    client = login(reviewer)
    key = open_form(client, art, step, "reject")
    response = client.post(action_url(art, step, "reject"), {"idempotency_key": key, "comment": "   "})
    assert response.status_code == 400
    assert b"A rejection needs a comment" in response.content
    response = confirm(client, art, step, "reject", key, comment="")
    assert response.status_code == 400
    assert posts(sandbox) == 0 and not ReviewAction.objects.exists()


def test_reviewer_delegates_to_a_govern_user(sandbox, reviewer, login):
    art, step = find_step(sandbox.summary(), "NOT_STARTED")
    client = login(reviewer)
    form = client.get(action_url(art, step, "delegate")).content.decode()
    assert '<datalist id="govern-users">' in form and 'value="carol"' in form
    key = open_form(client, art, step, "delegate")
    page = client.post(action_url(art, step, "delegate"), {"idempotency_key": key, "delegate_to": "carol"})
    assert b"Please confirm" in page.content and b"Carol" in page.content
    confirm(client, art, step, "delegate", key, delegate_to="carol", comment="You know this model")
    sign_off = get_client().get_sign_off(art, step)
    assert sign_off.status == "DELEGATED" and sign_off.delegated_to == "carol"
    assert posts(sandbox, DELEGATE_OP) == 1


def test_delegate_must_be_a_known_govern_user(sandbox, reviewer, login):
    art, step = find_step(sandbox.summary(), "NOT_STARTED")
    client = login(reviewer)
    key = open_form(client, art, step, "delegate")
    response = confirm(client, art, step, "delegate", key, delegate_to="mallory")
    assert response.status_code == 400 and b"Choose a known Govern user" in response.content
    assert posts(sandbox, DELEGATE_OP) == 0 and not ReviewAction.objects.exists()


def test_double_submit_sends_one_review(sandbox, reviewer, login):
    art, step = find_step(sandbox.summary(), "IN_PROGRESS", required=2)
    before = len(get_client().get_sign_off(art, step).reviews)
    client = login(reviewer)
    key = open_form(client, art, step, "approve")
    sandbox.reset_stats()
    first = confirm(client, art, step, "approve", key, comment="once")
    second = confirm(client, art, step, "approve", key, comment="once")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert posts(sandbox) == 1
    assert ReviewAction.objects.count() == 1
    assert len(get_client().get_sign_off(art, step).reviews) == before + 1


def test_outage_during_submit_keeps_the_action_pending_then_delivers_it(sandbox, faults, reviewer, login, settings):
    settings.GOVERN_DELIVERY_BACKOFF_BASE = 0  # retry as soon as the sweeper runs
    art, step = find_step(sandbox.summary(), "NOT_STARTED", required=1)
    client = login(reviewer)
    key = open_form(client, art, step, "approve")
    faults(target="govern", down=True)

    response = confirm(client, art, step, "approve", key, comment="while Govern is down")
    action = ReviewAction.objects.get()
    assert response.status_code == 302
    assert action.state == "pending" and action.attempts == 1 and action.last_error
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="action-state">Pending' in page and "retried automatically" in page
    # The action page keeps polling while pending.
    poll = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert poll.status_code == 200 and b"hx-trigger" in poll.content

    assert deliver_pending_actions() == {"pending": 1}  # still down: stays pending, nothing lost
    sandbox.knobs(target="govern", down=False)
    assert deliver_pending_actions() == {"delivered": 1}

    action.refresh_from_db()
    assert action.state == "delivered" and action.attempts == 3
    sign_off = get_client().get_sign_off(art, step)
    assert sign_off.status == "APPROVED"
    assert [r.comment for r in sign_off.reviews].count("[via portal: alice] while Govern is down") == 1
    poll = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert poll.status_code == 286 and b"hx-trigger" not in poll.content
    assert deliver_pending_actions() == {}


def test_refused_review_shows_govern_message_and_is_never_retried(sandbox, faults, reviewer, login, settings):
    settings.GOVERN_DELIVERY_BACKOFF_BASE = 0
    art, step = find_step(sandbox.summary(), "NOT_STARTED", required=1)
    client = login(reviewer)
    key = open_form(client, art, step, "approve")
    faults(target="govern", down=True)
    response = confirm(client, art, step, "approve", key, comment="ok")
    assert ReviewAction.objects.get().state == "pending"
    sandbox.knobs(target="govern", down=False)
    # Meanwhile someone decides the step in Govern directly.
    get_client().add_review(art, step, "REJECTED", "decided elsewhere")

    sandbox.reset_stats()
    assert deliver_pending_actions() == {"refused": 1}
    action = ReviewAction.objects.get()
    assert action.state == "refused" and action.upstream_status == 400
    assert "already REJECTED" in action.last_error
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="refusal">' in page and "already REJECTED" in page
    assert posts(sandbox) == 1
    assert deliver_pending_actions() == {} and posts(sandbox) == 1
    assert AuditEvent.objects.filter(outcome="refused", upstream_status=400).exists()


def test_rejected_service_key_keeps_the_action_pending_until_the_key_is_fixed(
    sandbox, faults, reviewer, login, settings
):
    settings.GOVERN_DELIVERY_BACKOFF_BASE = 0
    art, step = find_step(sandbox.summary(), "NOT_STARTED", required=1)
    client = login(reviewer)
    key = open_form(client, art, step, "approve")
    faults(target="govern", down=True)
    confirm(client, art, step, "approve", key, comment="key trouble")
    sandbox.knobs(target="govern", down=False)
    # Meanwhile the portal's key is revoked in Govern.
    good = settings.GOVERN
    settings.GOVERN = {**good, "api_key": "revoked-key"}
    upstream.reset_clients()
    assert deliver_pending_actions() == {"pending": 1}
    action = ReviewAction.objects.get()
    assert action.state == "pending" and action.upstream_status == 401
    assert "revoked-key" not in action.last_error

    settings.GOVERN = good
    upstream.reset_clients()
    assert deliver_pending_actions() == {"delivered": 1}
    assert get_client().get_sign_off(art, step).status == "APPROVED"


def test_review_on_a_decided_step_is_blocked_before_calling_govern(sandbox, reviewer, login):
    art, step = find_step(sandbox.summary(), "APPROVED")
    client = login(reviewer)
    sandbox.reset_stats()
    page = client.get(action_url(art, step, "approve"))
    assert b"already approved" in page.content and b"idempotency_key" not in page.content
    response = confirm(client, art, step, "approve", "k" * 32, comment="late")
    assert response.status_code == 409 and b"already approved" in response.content
    assert posts(sandbox) == 0 and not ReviewAction.objects.exists()


def test_nobody_reviews_the_same_step_twice(sandbox, reviewer, login):
    art, step = find_step(sandbox.summary(), "NOT_STARTED", required=2)
    client = login(reviewer)
    confirm(client, art, step, "approve", open_form(client, art, step, "approve"))
    assert get_client().get_sign_off(art, step).status == "IN_PROGRESS"
    sandbox.reset_stats()
    response = confirm(client, art, step, "approve", "z" * 32)
    assert response.status_code == 409 and b"already reviewed" in response.content
    assert posts(sandbox) == 0


def test_step_delegated_to_someone_else_is_blocked(sandbox, reviewer2, delegate, login):
    art, step = find_step(sandbox.summary(), "DELEGATED", delegated=True, free_for=None, not_owned_by=("carol",))
    client = login(reviewer2)
    response = confirm(client, art, step, "approve", "b" * 32)
    assert response.status_code == 409 and b"delegated to Carol Nguyen (carol)" in response.content
    # carol, the delegate, may review it.
    carol = Client()
    carol.force_login(delegate)
    confirm(carol, art, step, "approve", open_form(carol, art, step, "approve"), comment="as delegate")
    assert ReviewAction.objects.get(actor=delegate).state == "delivered"
    assert get_client().get_sign_off(art, step).reviews[-1].comment == "[via portal: carol] as delegate"


def test_oversized_comment_is_rejected_not_truncated(sandbox, reviewer, login):
    art, step = find_step(sandbox.summary(), "NOT_STARTED")
    client = login(reviewer)
    key = open_form(client, art, step, "approve")
    response = confirm(client, art, step, "approve", key, comment="x" * 5001)
    assert response.status_code == 400
    assert b"too long: at most 5,000 characters (it has 5001)" in response.content
    assert posts(sandbox) == 0 and not ReviewAction.objects.exists()
    confirm(client, art, step, "approve", key, comment="y" * 5000)
    assert ReviewAction.objects.get().comment == "y" * 5000


@pytest.mark.parametrize("persona", ["operator", "auditor", "outsider", "admin_user"])
@pytest.mark.parametrize("kind", ["approve", "reject", "delegate"])
def test_non_reviewers_get_403_on_action_endpoints(sandbox, request, persona, kind, login):
    art, step = find_step(sandbox.summary(), "NOT_STARTED")
    client = login(request.getfixturevalue(persona))
    assert client.get(action_url(art, step, kind)).status_code == 403
    assert confirm(client, art, step, kind, "a" * 32, comment="no", delegate_to="carol").status_code == 403
    assert posts(sandbox) == 0 and posts(sandbox, DELEGATE_OP) == 0


def test_anonymous_is_redirected_to_login(sandbox, client):
    for url in ["/governance/queue/", "/governance/artifacts/", f"/governance/artifacts/{FIRST_ARTIFACT}/",
                action_url(FIRST_ARTIFACT, FIRST_STEP, "approve"), "/governance/actions/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
    response = client.post(action_url(FIRST_ARTIFACT, FIRST_STEP, "approve"), {})
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_csrf_is_enforced_on_actions(sandbox, reviewer):
    art, step = find_step(sandbox.summary(), "NOT_STARTED")
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    response = confirm(client, art, step, "approve", "c" * 32, comment="forged")
    assert response.status_code == 403
    assert posts(sandbox) == 0 and not ReviewAction.objects.exists()
    # With the token from the form, the same client succeeds.
    page = client.get(action_url(art, step, "approve"))
    token = page.cookies["csrftoken"].value
    response = client.post(action_url(art, step, "approve"),
                           {"idempotency_key": "c" * 32, "confirm": "1", "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_actions_list_shows_own_actions_and_auditors_see_all(sandbox, reviewer, reviewer2, auditor, login):
    art, step = find_step(sandbox.summary(), "NOT_STARTED")
    client = login(reviewer)
    confirm(client, art, step, "approve", open_form(client, art, step, "approve"), comment="mine")
    other = Client()
    other.force_login(reviewer2)
    page = other.get("/governance/actions/").content.decode()
    assert "No review actions" in page
    page = login(auditor).get("/governance/actions/?state=delivered").content.decode()
    assert "alice" in page and "Delivered" in page
    action = ReviewAction.objects.get()
    assert other.get(f"/governance/actions/{action.pk}/").status_code == 404
