"""Step access: what one person may do on one sign-off step — review, delegate, or (an administrator) hand a
delegated step back or to someone else — and the reason when they may not. Pure rules, no Govern call."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from govern_ui.client import SignOff
from govern_ui.index import reviewers_of
from govern_ui.models import ReviewAction
from govern_ui.people import label


@dataclass(frozen=True)
class StepAccess:
    can_review: bool
    can_delegate: bool
    reason: str = ""
    can_reassign: bool = False  # an administrator's hand-back or reassignment of a delegated step
    needs_key: bool = False  # GOVERN_REVIEW_AS=user and the person has no usable Govern API key


def self_review_reason(login: str, created_by: str, owners: Iterable[str], prevent: bool) -> str:
    """Why segregation of duties keeps `login` off an artifact's steps ('' when it does not)."""
    if not prevent:
        return ""
    if login and login == created_by:
        return "You created this artifact"
    if login and login in set(owners):
        return "You own this artifact (its owner field names you)"
    return ""


def step_access(
    *,
    is_reviewer: bool,
    login: str,
    sign_off: SignOff,
    own_actions: Iterable[ReviewAction],
    reviewers: frozenset[str] | None = None,
    is_admin: bool = False,
    self_review: str = "",
    key_problem: str = "",
    names: Mapping[str, str] | None = None,
) -> StepAccess:
    """What a person (acting as Govern `login`) may do on a step, decided from Govern's reviews (or `reviewers`, the
    logins the Govern mirror knows) and their own pending and delivered portal actions.

    `self_review` is `self_review_reason` for this person and artifact; `key_problem` says why their personal key
    cannot be used (reviews sent as each reviewer). The reason explains a refusal in words a reviewer understands.
    """
    base = _access(is_reviewer, is_admin, login, sign_off, list(own_actions), reviewers, self_review, names or {})
    if key_problem and (base.can_review or base.can_delegate or base.can_reassign):
        return StepAccess(False, False, key_problem, needs_key=True)
    return base


def _access(is_reviewer, is_admin, login, sign_off, mine, reviewers, self_review, names) -> StepAccess:
    if not is_reviewer and not is_admin:
        return StepAccess(False, False, "Only reviewers can act on sign-offs.")
    if sign_off.is_decided:
        return StepAccess(False, False, f"This step is already {sign_off.status.lower()}.")
    pending = [a for a in mine if a.state == ReviewAction.State.PENDING]
    if pending:
        return StepAccess(False, False, f"Your {pending[0].get_kind_display().lower()} of this step is being sent.")
    if self_review:
        return StepAccess(
            False, False, f"{self_review}: segregation of duties keeps an artifact's creator and owner from signing "
            "off or delegating its steps."
        )
    can_reassign = is_admin and bool(sign_off.delegated_to)
    if not is_reviewer:
        return StepAccess(False, False, "" if can_reassign else "Only reviewers can act on sign-offs.", can_reassign)
    if sign_off.delegated_to and sign_off.delegated_to != login:
        who = label(sign_off.delegated_to, names)
        return StepAccess(False, False, f"This step is delegated to {who}; only they may review it.", can_reassign)
    known = reviewers if reviewers is not None else reviewers_of(sign_off)
    reviewed = login in known or any(a.is_vote and a.state == ReviewAction.State.DELIVERED for a in mine)
    if reviewed:
        return StepAccess(False, True, "You have already reviewed this step.", can_reassign)
    return StepAccess(True, True, "", can_reassign)
