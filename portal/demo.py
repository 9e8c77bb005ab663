"""Demo accounts: one per role. Used by `manage.py seed_demo` (make run) and printed at start."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from portal.models import Profile
from portal.roles import ADMIN, ALL_ROLES, AUDITOR, OPERATOR, REVIEWER

DEMO_PASSWORD = "portal-demo"

# Usernames match sandbox Govern logins, so each person's Govern identity is their username, and the names are the
# display names the sandbox's Govern gives them (sandbox/seed.py USERS; a test keeps the two lists in agreement).
DEMO_USERS = [
    ("alice", REVIEWER, "Alice Martin"),
    ("bob", REVIEWER, "Bob Dupont"),
    ("carol", REVIEWER, "Carol Nguyen"),
    ("dave", OPERATOR, "Dave Okafor"),
    ("erin", AUDITOR, "Erin Schmidt"),
    ("frank", ADMIN, "Frank Rossi"),
]


@transaction.atomic
def ensure_roles() -> None:
    for role in ALL_ROLES:
        Group.objects.get_or_create(name=role)


@transaction.atomic
def seed_demo_users(password: str = DEMO_PASSWORD) -> list[tuple[str, str]]:
    """Create (or reset) the demo users; returns (username, role) pairs."""
    ensure_roles()
    user_model = get_user_model()
    created = []
    for username, role, full_name in DEMO_USERS:
        first, _, last = full_name.partition(" ")
        user, _ = user_model.objects.get_or_create(username=username)
        user.first_name, user.last_name = first, last
        user.set_password(password)
        user.is_staff = role == ADMIN
        user.is_superuser = role == ADMIN
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        Profile.objects.update_or_create(user=user, defaults={"govern_login": username})
        created.append((username, role))
    return created
