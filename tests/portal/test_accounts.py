"""Demo accounts, roles and sign-in."""

from __future__ import annotations

from django.core.management import call_command
from django.test import RequestFactory

from portal.demo import DEMO_PASSWORD, DEMO_USERS
from portal.models import govern_login_of
from portal.roles import roles_of


def test_seed_demo_creates_one_user_per_role_with_the_printed_password(db, client, capsys):
    call_command("seed_demo")
    printed = capsys.readouterr().out
    for username, role, _ in DEMO_USERS:
        assert username in printed
        assert client.login(request=RequestFactory().post("/login/"), username=username, password=DEMO_PASSWORD)
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.get(username=username)
        assert role in roles_of(user)
        client.logout()


def test_seed_demo_is_idempotent(db):
    call_command("seed_demo")
    call_command("seed_demo")
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.filter(username="alice").count() == 1


def test_sign_in_through_the_form_lands_on_home(sandbox, client, reviewer):
    response = client.post("/login/", {"username": "alice", "password": "pw-alice"})
    assert response.status_code == 302 and response.url == "/"


def test_wrong_password_shows_a_clear_error(client, reviewer):
    response = client.post("/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()


def test_govern_login_defaults_to_username_and_can_be_set(reviewer):
    assert govern_login_of(reviewer) == "alice"
    reviewer.profile.govern_login = "alice.martin"
    reviewer.profile.save()
    assert govern_login_of(reviewer) == "alice.martin"


def test_unknown_page_is_a_friendly_404(login, reviewer):
    response = login(reviewer).get("/no/such/page/")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()
