"""A poll whose session is gone gets "signed out" (401 and a header), never the login page to paste into the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from deployer_ui.models import DeploymentUpdate

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def signed_out(login, operator):
    client = login(operator)
    client.logout()  # signed out elsewhere, or the session expired
    return client


def test_htmx_polls_after_the_session_ended_get_401_signed_out(signed_out, operator, sandbox):
    update = DeploymentUpdate.objects.create(deployment_id="churn-dev", requester=operator)
    for url in (reverse("deployer_ui:dashboard"), reverse("deployer_ui:update_progress", args=[update.pk]),
                reverse("home"), reverse("deployer_ui:api_nodes")):
        answer = signed_out.get(url, **HTMX)
        assert answer.status_code == 401, url
        assert answer["X-Portal-Session"] == "signed-out" and b"<form" not in answer.content


def test_plain_navigation_still_goes_to_the_login_page(signed_out, db):
    answer = signed_out.get(reverse("deployer_ui:dashboard"))
    assert answer.status_code == 302 and answer.url.startswith(reverse("login"))


def test_other_redirects_of_a_poll_are_left_alone(client, login, operator, db):
    answer = login(operator).get("/wall", **HTMX)  # the slash redirect, signed in
    assert answer.status_code == 301


def test_every_page_carries_the_hidden_banner_and_its_script(login, operator, sandbox):
    html = login(operator).get(reverse("deployer_ui:dashboard")).content.decode()
    banner = html[html.index('id="signed-out"'):]
    assert banner[:banner.index(">")].endswith("hidden") and "sign in again" in banner[:400]
    assert "js/portal.js" in html
