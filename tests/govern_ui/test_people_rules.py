"""Unit tier: reading the person a reviewer typed, who may sign off, who owns an artifact, and who may be delegated
a step (govern_ui.people), without Govern."""

from __future__ import annotations

import pytest

from govern_ui.client import GovernUser, Role
from govern_ui.people import DelegationRules, label, logins_in, owners_of, resolve, signers

pytestmark = pytest.mark.unit

USERS = {
    "svc-portal": GovernUser("svc-portal", "Portal service account", "", ("govern-admin",)),
    "alice": GovernUser("alice", "Alice Martin", "", ("reviewer", "model-owner")),
    "bob": GovernUser("bob", "Bob Dupont", "", ("reviewer",)),
    "carol": GovernUser("carol", "Carol Nguyen", "", ("reviewer",)),
    "dave": GovernUser("dave", "Dave Okafor", "", ("operator",)),
    "erin": GovernUser("erin", "Erin Schmidt", "", ("auditor",)),
    "frank": GovernUser("frank", "Frank Rossi", "", ("govern-admin",)),
    "grace": GovernUser("grace", "Grace Kim", "", ("model-owner",)),
    "bob2": GovernUser("bob2", "Bob Dupont", "", ("reviewer",)),
}
ROLES = [
    Role("reviewer", "Reviewer", "", ("artifact.read", "signoff.review")),
    Role("operator", "Operator", "", ("artifact.read", "deployment.run")),
    Role("auditor", "Auditor", "", ("audit.read",)),
    Role("govern-admin", "Govern administrator", "", ("signoff.review", "role.admin")),
    Role("model-owner", "Model owner", "", ("artifact.write",)),
]
NAMES = {login: user.display_name for login, user in USERS.items()}


@pytest.mark.parametrize("typed", ["carol", "Carol Nguyen", "carol nguyen", "  Carol   Nguyen ", "Carol Nguyen (carol)",
                                   "CAROL", "Someone else (carol)"])
def test_a_person_is_found_by_login_display_name_or_picker_label(typed):
    assert resolve(typed, USERS).login == "carol"


def test_an_unknown_or_ambiguous_name_says_so():
    assert resolve("mallory", USERS).problem == "Choose a known Govern user from the list."
    assert "Several Govern users are called 'Bob Dupont'" in resolve("Bob Dupont", USERS).problem
    assert resolve("Bob Dupont (bob2)", USERS).login == "bob2"
    assert resolve("   ", USERS).problem == "Choose the person to delegate to."


def test_signers_are_the_people_whose_roles_allow_sign_off():
    assert signers(USERS.values(), ROLES, ["signoff.review"]) == {"svc-portal", "alice", "bob", "carol", "frank",
                                                                  "bob2"}
    assert signers(USERS.values(), ROLES, ["no.such.permission"]) == frozenset()


def test_owners_are_the_creator_and_the_owner_field():
    assert owners_of("grace", {"owner": "heidi"}, "owner") == {"grace", "heidi"}
    assert owners_of("grace", {"owner": ["heidi", "ivan"]}, "owner") == {"grace", "heidi", "ivan"}
    assert owners_of("", {"owner": 42}, "owner") == frozenset()
    assert logins_in({"reviewers": ["bob", "", 3, "carol"]}, "reviewers") == ("bob", "carol")


def rules(**changes) -> DelegationRules:
    base = {"delegator": "alice", "service_login": "svc-portal", "portal_reviewers": frozenset({"alice", "bob"}),
            "signers": signers(USERS.values(), ROLES, ["signoff.review"])}
    return DelegationRules(**{**base, **changes})


@pytest.mark.parametrize(
    "login, reason",
    [
        ("alice", "You cannot delegate a step to yourself."),
        ("svc-portal", "Portal service account (svc-portal) is the portal's service account"),
        ("erin", "Erin Schmidt (erin) may not sign off steps"),
        ("dave", "Dave Okafor (dave) may not sign off steps"),
        ("grace", "Grace Kim (grace) may not sign off steps"),
    ],
)
def test_the_service_account_people_without_sign_off_and_oneself_are_never_offered(login, reason):
    assert rules().refusal(login, NAMES).startswith(reason)
    assert login not in {u.login for u in rules().choices(USERS)}


def test_owners_reviewers_and_the_current_delegate_are_not_offered_either():
    step_rules = rules(owners=frozenset({"frank"}), reviewed=frozenset({"bob"}), current_delegate="bob2")
    assert [u.login for u in step_rules.choices(USERS)] == ["carol"]
    assert "created or owns this artifact" in step_rules.refusal("frank", NAMES)
    assert step_rules.refusal("bob", NAMES) == "Bob Dupont (bob) has already reviewed this step."
    assert step_rules.refusal("bob2", NAMES) == "The step is already delegated to Bob Dupont (bob2)."


def test_a_portal_reviewer_without_a_govern_sign_off_role_may_be_delegated():
    assert not rules(portal_reviewers=frozenset({"grace"})).refusal("grace", NAMES)


def test_labels_name_the_person_and_their_login():
    assert label("carol", NAMES) == "Carol Nguyen (carol)"
    assert label("zed", NAMES) == "zed"
