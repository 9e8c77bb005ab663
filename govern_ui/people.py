"""People in Govern as the review rules see them: names, who may sign off, who owns an artifact, who may be
delegated a step, and reading the person a reviewer typed ("Carol Nguyen", "carol" or "Carol Nguyen (carol)").

Pure functions over Govern's directory (users, roles) and plain values: no Govern call, no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from govern_ui.client import GovernUser, Role

_NAME_AND_LOGIN = re.compile(r"^(?P<name>.*\S)\s*\((?P<login>[^()]+)\)$")


def label(login: str, names: Mapping[str, str]) -> str:
    """How a page names a Govern login: "Carol Nguyen (carol)", or the login alone when no other name is known."""
    name = names.get(login) or ""
    return f"{name} ({login})" if name and name != login else login


def names_of(users: Mapping[str, GovernUser]) -> dict[str, str]:
    """Display name by login (logins without one are left out)."""
    return {login: user.display_name for login, user in users.items() if user.display_name}


def signers(users: Iterable[GovernUser], roles: Iterable[Role], permissions: Iterable[str]) -> frozenset[str]:
    """Logins whose Govern roles grant one of `permissions` (the sign-off permissions)."""
    wanted = set(permissions)
    allowed_roles = {role.id for role in roles if wanted & set(role.permissions)}
    return frozenset(user.login for user in users if allowed_roles & set(user.roles))


def owners_of(created_by: str, custom_fields: Mapping[str, Any] | None, owner_field: str) -> frozenset[str]:
    """The logins the self-review rule keeps off an artifact's steps: its creator and its owner field's people."""
    owners = {created_by} if created_by else set()
    owners.update(logins_in(custom_fields, owner_field))
    return frozenset(owners)


def logins_in(custom_fields: Mapping[str, Any] | None, field_id: str) -> tuple[str, ...]:
    """The logins a USER or USERS custom field holds (a string or a list of strings); () when unset or off-type."""
    value = (custom_fields or {}).get(field_id)
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str) and v)
    return ()


@dataclass(frozen=True)
class Typed:
    """What a typed person resolved to: a login, or why it did not."""

    login: str = ""
    problem: str = ""


def resolve(text: str, users: Mapping[str, GovernUser]) -> Typed:
    """The Govern user named by `text`: a login, a display name (any case, when only one person has it), or the
    picker's "Name (login)" label."""
    text = " ".join((text or "").split())
    if not text:
        return Typed(problem="Choose the person to delegate to.")
    if text in users:
        return Typed(text)
    match = _NAME_AND_LOGIN.match(text)
    if match and match.group("login").strip() in users:
        return Typed(match.group("login").strip())
    folded = text.casefold()
    by_login = [login for login in users if login.casefold() == folded]
    if len(by_login) == 1:
        return Typed(by_login[0])
    by_name = [u.login for u in users.values() if " ".join(u.display_name.split()).casefold() == folded]
    if len(by_name) == 1:
        return Typed(by_name[0])
    if len(by_name) > 1:
        return Typed(problem=f"Several Govern users are called {text!r}: choose one from the list.")
    return Typed(problem="Choose a known Govern user from the list.")


@dataclass(frozen=True)
class DelegationRules:
    """Who may be handed one step: the facts the rule needs, gathered once per step."""

    delegator: str  # the login delegating (never a valid choice)
    service_login: str  # the portal's service account (never a valid choice)
    portal_reviewers: frozenset[str]  # logins of portal users with the reviewer role
    signers: frozenset[str]  # logins whose Govern roles allow sign-off
    owners: frozenset[str] = frozenset()  # creator/owner, when self-review is prevented
    reviewed: frozenset[str] = frozenset()  # logins who already reviewed the step
    current_delegate: str = ""  # the step's delegate now, if it is delegated

    def refusal(self, login: str, names: Mapping[str, str]) -> str:
        """Why `login` cannot be delegated this step, in a reviewer's words; '' when they can."""
        who = label(login, names)
        if login == self.delegator:
            return "You cannot delegate a step to yourself."
        if login == self.service_login:
            return f"{who} is the portal's service account: a step must be delegated to a person."
        if login == self.current_delegate:
            return f"The step is already delegated to {who}."
        if login not in self.portal_reviewers and login not in self.signers:
            return (f"{who} may not sign off steps: they are not a reviewer in the portal and no Govern role of "
                    "theirs allows sign-off.")
        if login in self.owners:
            return f"{who} created or owns this artifact, so they may not sign off its steps."
        if login in self.reviewed:
            return f"{who} has already reviewed this step."
        return ""

    def choices(self, users: Mapping[str, GovernUser]) -> list[GovernUser]:
        """The people who may be delegated the step, by display name."""
        names = names_of(users)
        eligible = [user for login, user in users.items() if not self.refusal(login, names)]
        return sorted(eligible, key=lambda u: ((u.display_name or u.login).casefold(), u.login))
