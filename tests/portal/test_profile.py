"""The person's profile: Govern login set by an administrator (the user admin's inline), the personal Govern key's
encryption and rotation, the checks on the review mode, and demo names that agree with the sandbox's Govern."""

from __future__ import annotations

import re

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from portal.checks import check_demo_secrets, check_review_mode
from portal.demo import DEMO_USERS
from portal.lib import secretbox
from portal.models import Profile, govern_login_of
from sandbox.seed import USERS as GOVERN_USERS


@pytest.mark.unit
def test_demo_users_carry_the_display_names_the_sandbox_govern_gives_them():
    govern_names = {login: name for login, name, _ in GOVERN_USERS}
    assert {username: name for username, _, name in DEMO_USERS} == {u: govern_names[u] for u, _, _ in DEMO_USERS}


def test_seed_demo_puts_the_names_right_on_existing_users(db, django_user_model):
    django_user_model.objects.create_user("bob", first_name="Bob", last_name="Chen")
    call_command("seed_demo")
    assert django_user_model.objects.get(username="bob").get_full_name() == "Bob Dupont"


def test_an_admin_sets_a_users_govern_login_in_the_user_admin(admin_user, reviewer, login):
    client = login(admin_user)
    url = f"/django-admin/auth/user/{reviewer.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="profile-0-govern_login"' in page and "Personal Govern API key" in page
    profile = Profile.objects.get(user=reviewer)
    data = {
        "username": "alice", "first_name": "Alice", "last_name": "Martin", "email": "", "is_active": "on",
        "groups": [g.pk for g in reviewer.groups.all()], "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
        "profile-TOTAL_FORMS": "1", "profile-INITIAL_FORMS": "1", "profile-MIN_NUM_FORMS": "0",
        "profile-MAX_NUM_FORMS": "1", "profile-0-id": str(profile.pk), "profile-0-user": str(reviewer.pk),
        "profile-0-govern_login": "alice.martin",
    }
    response = client.post(url, data)
    assert response.status_code == 302, re.findall(r'class="errorlist[^"]*">(.*?)</ul>', response.content.decode())
    reviewer.refresh_from_db()
    assert govern_login_of(reviewer) == "alice.martin"
    # The add form has no inline (the profile is created with the user) and works.
    assert client.get("/django-admin/auth/user/add/").status_code == 200


def test_the_key_is_sealed_never_shown_to_an_admin_and_rotates_to_a_new_fernet_key(reviewer, admin_user, login,
                                                                                   settings):
    profile = Profile.objects.get(user=reviewer)
    profile.set_govern_api_key("govern-key-alice")
    assert "govern-key-alice" not in profile.govern_api_key_sealed
    admin_page = login(admin_user).get(f"/django-admin/auth/user/{reviewer.pk}/change/").content.decode()
    assert "govern-key-alice" not in admin_page and "saved" in admin_page
    old_token = profile.govern_api_key_sealed
    new_key = Fernet.generate_key().decode()
    settings.PORTAL_FERNET_KEYS = [new_key, *settings.PORTAL_FERNET_KEYS]
    call_command("rotate_secrets")
    profile.refresh_from_db()
    assert profile.govern_api_key_sealed != old_token
    settings.PORTAL_FERNET_KEYS = [new_key]  # the old key retired
    assert profile.govern_api_key() == "govern-key-alice"
    settings.PORTAL_FERNET_KEYS = [Fernet.generate_key().decode()]  # a key that never sealed it
    assert profile.govern_api_key() is None


def test_the_profile_page_never_renders_the_key(reviewer, login):
    client = login(reviewer)
    client.post("/profile/", {"api_key": "govern-key-alice", "save": "1"})
    page = client.get("/profile/").content.decode()
    assert "govern-key-alice" not in page and 'type="password"' in page and 'value="' not in page.split(
        'name="api_key"')[1].split(">")[0]


def test_review_mode_checks(settings):
    assert check_review_mode(None) == []
    settings.GOVERN_REVIEW_AS = "robot"
    assert [e.id for e in check_review_mode(None)] == ["portal.E005"]
    settings.GOVERN_REVIEW_AS = "user"
    settings.PORTAL_FERNET_KEYS = []
    assert [e.id for e in check_review_mode(None)] == ["portal.E006"]
    settings.PORTAL_FERNET_KEYS = ["not-a-fernet-key"]
    assert "malformed" in check_review_mode(None)[0].msg
    settings.PORTAL_FERNET_KEYS = [settings.DEMO_FERNET_KEY]
    assert "portal.E011" in [e.id for e in check_demo_secrets(None)]
    assert secretbox.check_keys() == ""
