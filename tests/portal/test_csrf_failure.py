"""A form sent after the session ended, or from a stale page, is answered by a page that says nothing was sent, offers
to sign in again and hands back what was typed (escaped), instead of Django's technical CSRF page."""

from __future__ import annotations

import pytest
from django.test import Client

from govern_ui.models import ReviewAction

pytestmark = pytest.mark.django_db

APPROVE = "/governance/artifacts/art-0001/steps/go-live/approve/"


def test_a_form_sent_after_the_session_ended_says_nothing_was_sent_and_gives_the_comment_back():
    client = Client(enforce_csrf_checks=True)
    response = client.post(APPROVE, {"comment": "<b>keep this</b>", "confirm": "1"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "Nothing was sent" in html and "CSRF verification failed" not in html
    assert f'href="/login/?next={APPROVE}"' in html
    assert "&lt;b&gt;keep this&lt;/b&gt;" in html and "<b>keep this</b>" not in html
    assert not ReviewAction.objects.exists()


def test_a_stale_form_of_a_signed_in_person_offers_to_open_the_page_again(reviewer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    response = client.post(APPROVE, {"comment": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Open the page again" in html and f'href="{APPROVE}"' in html
    assert not ReviewAction.objects.exists()
