"""Reviews sent as each reviewer (GOVERN_REVIEW_AS=user): the personal Govern API key saved once on the profile page,
sealed at rest, never shown or logged; Govern records the real reviewer; a key Govern refuses waits to be replaced
with nothing lost."""

from __future__ import annotations

import logging
import uuid

import pytest
from django.conf import settings as django_settings
from django.db import connection

from govern_ui.client import GovernClient, get_client
from govern_ui.models import ReviewAction
from portal.audit.models import AuditEvent
from portal.lib.upstream import UpstreamRefused, client_options
from portal.models import Profile
from tests.govern_ui.helpers import action_url, confirm, find_step, open_form, posts

pytestmark = pytest.mark.django_db(transaction=True)

ALICE_KEY = "govern-key-alice"


@pytest.fixture
def user_mode(settings):
    settings.GOVERN_REVIEW_AS = "user"


def save_key(client, key):
    return client.post("/profile/", {"api_key": key, "save": "1"})


def sealed_column(user) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT govern_api_key_sealed FROM portal_profile WHERE user_id = %s", [user.pk])
        return cursor.fetchone()[0]


def test_govern_records_the_real_reviewer_and_the_key_is_never_shown_stored_or_logged(
    sandbox, user_mode, reviewer, login, caplog
):
    caplog.set_level(logging.DEBUG)
    art, step = find_step(sandbox.summary(), "NOT_STARTED", required=1)
    client = login(reviewer)
    pages = []

    # Without a key the reviewer is told how to add one, and nothing is sent.
    form = client.get(action_url(art, step, "approve")).content.decode()
    assert "save your personal Govern API key on your profile page" in form and "/profile/#govern-key" in form
    refused = confirm(client, art, step, "approve", uuid.uuid4().hex, comment="mine")
    assert refused.status_code == 409 and posts(sandbox) == 0 and not ReviewAction.objects.exists()

    saved = save_key(client, ALICE_KEY)
    assert saved.status_code == 302 and saved["Location"] == "/profile/"
    pages.append(client.get("/profile/").content.decode())
    assert 'data-testid="key-status"' in pages[-1] and "Saved" in pages[-1]
    raw = sealed_column(reviewer)
    assert raw and ALICE_KEY not in raw and "alice" not in raw

    key = open_form(client, art, step, "approve")
    done = confirm(client, art, step, "approve", key, comment="mine")
    action = ReviewAction.objects.get()
    assert done.status_code == 302 and action.state == "delivered" and action.sent_as == "alice"
    review = get_client().get_sign_off(art, step).reviews[-1]
    assert (review.reviewer, review.comment) == ("alice", "mine")

    pages += [client.get(url).content.decode() for url in (
        done["Location"], f"/governance/artifacts/{art}/", f"/governance/artifacts/{art}/steps/{step}/")]
    assert "Alice Martin</strong>, via the portal" in pages[-1]
    assert all(ALICE_KEY not in page for page in pages)
    assert ALICE_KEY not in caplog.text
    events = list(AuditEvent.objects.values_list("action", "input", "detail"))
    assert ("profile.govern_key.save", {"govern_login": "alice"}, "") in events
    assert all(ALICE_KEY not in str(event) for event in events)


def test_a_key_govern_refuses_is_marked_and_the_action_waits_until_it_is_replaced(
    sandbox, user_mode, reviewer, login
):
    art, step = find_step(sandbox.summary(), "NOT_STARTED", required=1)
    client = login(reviewer)
    save_key(client, "govern-key-nobody")  # Govern answers 401 to it
    done = confirm(client, art, step, "approve", open_form(client, art, step, "approve"), comment="kept")
    action = ReviewAction.objects.get()
    assert done.status_code == 302 and action.state == "pending" and action.upstream_status == 401
    assert Profile.objects.get(user=reviewer).govern_api_key_status == "refused"
    status = client.get(done["Location"]).content.decode()
    assert "nothing is lost" in status and 'data-testid="replace-key"' in status
    profile = client.get("/profile/").content.decode()
    assert "Refused by Govern" in profile and "Replace it" in profile
    step_page = client.get(f"/governance/artifacts/{art}/steps/{step}/").content.decode()
    assert "Your approve is being sent to Govern" in step_page
    assert AuditEvent.objects.filter(action="profile.govern_key.refused", upstream_status=401).exists()

    # Saving a new key sends what waited for it, once.
    sandbox.reset_stats()
    assert save_key(client, ALICE_KEY).status_code == 302
    action.refresh_from_db()
    assert action.state == "delivered" and posts(sandbox) == 1
    assert get_client().get_sign_off(art, step).reviews[-1].reviewer == "alice"
    assert AuditEvent.objects.filter(action="profile.govern_key.replace").exists()


def test_govern_refuses_a_second_review_of_one_step_by_the_same_user_key(sandbox):
    art, step = find_step(sandbox.summary(), "NOT_STARTED", required=2, not_owned_by=("bob",))
    bob = GovernClient(**{**client_options(django_settings.GOVERN), "api_key": "govern-key-bob"})
    bob.add_review(art, step, "APPROVED", "first")
    with pytest.raises(UpstreamRefused, match="already reviewed"):
        bob.add_review(art, step, "APPROVED", "second")
    assert [r.reviewer for r in get_client().get_sign_off(art, step).reviews].count("bob") == 1


def test_a_key_can_be_removed_and_saving_or_removing_it_is_audited(sandbox, reviewer, login):
    client = login(reviewer)
    empty = client.post("/profile/", {"api_key": "", "save": "1"})
    assert empty.status_code == 400 and b"Paste the key to save it." in empty.content
    assert b'id="error-summary"' in empty.content and b'aria-describedby="id_api_key_helptext id_api_key_error"' \
        in empty.content
    save_key(client, ALICE_KEY)
    removed = client.post("/profile/", {"remove": "1"})
    assert removed.status_code == 302
    assert Profile.objects.get(user=reviewer).govern_api_key_status == "none"
    key_events = AuditEvent.objects.filter(action__startswith="profile.").order_by("id")
    assert list(key_events.values_list("action", flat=True)) == ["profile.govern_key.save", "profile.govern_key.remove"]
