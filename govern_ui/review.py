"""Reviewing a sign-off step: who is looking (the viewer, with their roles and personal key), each step's panel —
its reviews under the real person's name, the delegation in force and who made it, what the viewer may do — and
which actions a person may see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings

from govern_ui.access import StepAccess, self_review_reason, step_access
from govern_ui.catalog import users_or_empty
from govern_ui.client import NEVER, UPSTREAM, Artifact, GovernUser, SignOff, SignOffStep, get_client
from govern_ui.mirror import read as mirror
from govern_ui.models import ReviewAction, attributed_login, without_attribution
from govern_ui.people import names_of, owners_of
from portal.lib.upstream import UpstreamError, UpstreamNotFound
from portal.lib.web import upstream_error_text
from portal.models import display_name_of, govern_login_of, profile_of
from portal.roles import ADMIN, AUDITOR, REVIEWER, has_role

__all__ = ["StepAccess", "step_access"]  # re-exported: the rule lives in govern_ui.access

COMMENT_MAX_CHARS = 5000
KEY_MISSING = "Reviews are sent to Govern under your own name: save your personal Govern API key on your profile " \
              "page first."
KEY_REFUSED = "Govern refused your saved API key: replace it on your profile page. Actions waiting for it are sent " \
              "once you do; nothing is lost."
KEY_UNREADABLE = "Your saved Govern API key can no longer be read: save it again on your profile page."


# -- the viewer ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    user: Any
    login: str  # their Govern login
    is_reviewer: bool
    is_admin: bool
    key_problem: str = ""  # why their personal key cannot be used ('' when reviews go as the service account)


def personal_key_problem(user) -> str:
    """Why `user`'s personal Govern API key cannot send their actions now ('' when it can, or is not needed)."""
    if settings.GOVERN_REVIEW_AS != "user":
        return ""
    profile = profile_of(user)
    status = profile.govern_api_key_status
    if status == "none":
        return KEY_MISSING
    if status == "refused":
        return KEY_REFUSED
    return "" if profile.govern_api_key() else KEY_UNREADABLE


def viewer_of(user) -> Viewer:
    return Viewer(
        user=user,
        login=govern_login_of(user),
        is_reviewer=has_role(user, REVIEWER),
        is_admin=has_role(user, ADMIN),
        key_problem=personal_key_problem(user),
    )


# -- what the panels of one artifact share -------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    created_by: str = ""
    owners: frozenset[str] = frozenset()  # creator and owner field
    users: dict[str, GovernUser] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # display name by Govern login
    portal_actions: tuple[ReviewAction, ...] = ()  # open (pending or delivered) portal actions on the artifact

    def name(self, login: str) -> str:
        return self.names.get(login) or login


def portal_actions(artifact_id: str, step_ids: Iterable[str] | None = None) -> tuple[ReviewAction, ...]:
    """Everyone's open portal actions on an artifact (or some of its steps), oldest first."""
    actions = ReviewAction.objects.open().filter(artifact_id=artifact_id).select_related("actor")
    if step_ids is not None:
        actions = actions.filter(step_id__in=list(step_ids))
    return tuple(actions.order_by("created_at", "id"))


def facts_of(artifact: Artifact, users: dict[str, GovernUser], actions: tuple[ReviewAction, ...]) -> Facts:
    return Facts(
        created_by=artifact.created_by,
        owners=owners_of(artifact.created_by, artifact.custom_fields, settings.GOVERN_OWNER_FIELD),
        users=users,
        names=names_of(users),
        portal_actions=actions,
    )


# -- one step's panel ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    reviewer: str  # the person who decided (their Govern login)
    display_name: str
    outcome: str
    comment: str  # their words (the portal's attribution taken off)
    when: datetime | None
    via_portal: bool = False
    sent_as: str = ""  # the Govern account that sent it, when not the person themselves (the service account)
    sent_as_name: str = ""


@dataclass(frozen=True)
class DelegationNote:
    """The delegation in force on a step, when it was made through the portal: who, when and why."""

    to_login: str
    to_name: str
    by_name: str
    by_login: str
    at: datetime
    why: str
    from_name: str  # handed back or reassigned from this person ('' for a first delegation)
    action_id: int


@dataclass(frozen=True)
class StepPanel:
    sign_off: SignOff
    step: SignOffStep | None
    timeline: tuple[TimelineEntry, ...]
    delegated_to_name: str
    access: StepAccess
    my_actions: tuple[ReviewAction, ...]
    delegation: DelegationNote | None = None
    sending: tuple[ReviewAction, ...] = ()  # everyone's actions on this step still being sent


def timeline_of(sign_off: SignOff, facts: Facts) -> tuple[TimelineEntry, ...]:
    """The step's reviews in order, each under the person who decided: a review the service account sent carries
    the portal's attribution; one a reviewer sent with their own key matches their delivered portal action."""
    service = settings.GOVERN_SERVICE_LOGIN
    portal_votes = {
        (a.govern_login, a.outcome)
        for a in facts.portal_actions
        if a.step_id == sign_off.step_id and a.is_vote and a.state == ReviewAction.State.DELIVERED
    }
    entries = []
    for review in sorted(sign_off.reviews, key=lambda r: r.reviewed_on or NEVER):
        named = attributed_login(review.comment) if review.reviewer == service else ""
        if named:
            entries.append(TimelineEntry(named, facts.name(named), review.outcome,
                                         without_attribution(review.comment), review.reviewed_on, True,
                                         service, facts.name(service)))
        else:
            via = (review.reviewer, review.outcome) in portal_votes
            entries.append(TimelineEntry(review.reviewer, facts.name(review.reviewer), review.outcome,
                                         review.comment, review.reviewed_on, via))
    return tuple(entries)


def delegation_note(sign_off: SignOff, facts: Facts) -> DelegationNote | None:
    """Who delegated the step to its current delegate, when and why (None when Govern shows no delegation, or it
    was made outside the portal)."""
    if not sign_off.delegated_to:
        return None
    for action in reversed(facts.portal_actions):
        if (action.step_id == sign_off.step_id and action.kind == ReviewAction.Kind.DELEGATE
                and action.state == ReviewAction.State.DELIVERED and action.closed_at is None
                and action.delegate_to == sign_off.delegated_to):
            return DelegationNote(
                to_login=action.delegate_to,
                to_name=facts.name(action.delegate_to),
                by_name=facts.names.get(action.govern_login) or display_name_of(action.actor),
                by_login=action.govern_login,
                at=action.delivered_at or action.created_at,
                why=action.comment,
                from_name=facts.name(action.reassigned_from) if action.reassigned_from else "",
                action_id=action.pk,
            )
    return None


def step_panel(viewer: Viewer, sign_off: SignOff, step: SignOffStep | None, facts: Facts,
               reviewers: frozenset[str] | None = None) -> StepPanel:
    """One sign-off step as a page shows it: its reviews in order, its delegation, and what `viewer` may do."""
    on_step = [a for a in facts.portal_actions if a.step_id == sign_off.step_id]
    mine = [a for a in on_step if a.govern_login == viewer.login]
    access = step_access(
        is_reviewer=viewer.is_reviewer,
        login=viewer.login,
        sign_off=sign_off,
        own_actions=mine,
        reviewers=reviewers,
        is_admin=viewer.is_admin,
        self_review=self_review_reason(viewer.login, facts.created_by, facts.owners,
                                       settings.GOVERN_PREVENT_SELF_REVIEW),
        key_problem=viewer.key_problem,
        names=facts.names,
    )
    pending = ReviewAction.State.PENDING
    return StepPanel(
        sign_off=sign_off,
        step=step,
        timeline=timeline_of(sign_off, facts),
        delegated_to_name=facts.name(sign_off.delegated_to) if sign_off.delegated_to else "",
        access=access,
        my_actions=tuple(a for a in mine if a.state == pending),
        delegation=delegation_note(sign_off, facts),
        sending=tuple(a for a in on_step if a.state == pending and a.govern_login != viewer.login),
    )


# -- one step in context -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepContext:
    artifact: Artifact
    panel: StepPanel
    # Govern could not be reached: the checks used the Govern mirror (or nothing, when it is empty); Govern itself
    # enforces the decided and delegated rules when the action is delivered.
    degraded: str = ""
    facts: Facts = field(default_factory=Facts)
    viewer: Viewer | None = None


def step_context(artifact_id: str, step_id: str, user, *, allow_cached: bool = False) -> StepContext:
    """One step of one artifact, fresh from Govern, with what `user` may do. Raises `UpstreamNotFound`; raises other
    `UpstreamError`s unless `allow_cached`, where a transient outage falls back to the Govern mirror so an action can
    still be recorded as pending."""
    client = get_client()
    viewer = viewer_of(user)
    actions = portal_actions(artifact_id, [step_id])
    try:
        artifact = client.get_artifact(artifact_id)
        sign_off = client.get_sign_off(artifact_id, step_id)
    except UpstreamError as exc:
        if not (allow_cached and exc.retryable):
            raise
        return _cached_step_context(artifact_id, step_id, viewer, actions, exc)
    try:
        version = client.get_blueprint_version(artifact.blueprint_id, artifact.blueprint_version_id)
        steps_by_id = {s.id: s for s in version.sign_off_steps}
    except UpstreamNotFound:
        steps_by_id = {}
    facts = facts_of(artifact, users_or_empty(), actions)
    panel = step_panel(viewer, sign_off, steps_by_id.get(step_id), facts)
    return StepContext(artifact, panel, facts=facts, viewer=viewer)


def _cached_step_context(artifact_id, step_id, viewer: Viewer, actions, exc: UpstreamError) -> StepContext:
    entry, directory = mirror.entry(artifact_id)
    note = f"{upstream_error_text(exc, UPSTREAM)}: the action will be recorded and sent when it is back."
    names = directory.names
    if entry is None:
        artifact = Artifact(artifact_id, "", "", "", None, "")
        facts = Facts(portal_actions=actions, names=names)
        sign_off = SignOff(step_id, "", "UNKNOWN")
        return StepContext(artifact, step_panel(viewer, sign_off, None, facts, frozenset()), note, facts, viewer)
    artifact = Artifact(artifact_id, entry.name, entry.blueprint_id, "", None, entry.created_by)
    facts = Facts(entry.created_by, entry.owners, {}, names, actions)
    step = next((s for s in entry.steps if s.step_id == step_id), None)
    if step is None:
        # An entry holds only open steps: this one is decided (or unknown) as far as the mirror last read.
        sign_off = SignOff(step_id, "", "APPROVED/REJECTED")
        access = StepAccess(False, False, "As far as the portal last heard from Govern, this step is decided.")
        panel = StepPanel(sign_off, None, (), "", access, ())
        return StepContext(artifact, panel, note, facts, viewer)
    sign_off = SignOff(step_id, step.step_name, step.status, delegated_to=step.delegated_to)
    return StepContext(artifact, step_panel(viewer, sign_off, None, facts, step.reviewers), note, facts, viewer)


def person_name(user, users: dict[str, GovernUser] | None = None) -> str:
    """How pages name a portal user: their Govern display name (Govern is the source of names), else their full
    name, else their username. `users` defaults to the cached Govern directory ({} when Govern cannot give it)."""
    users = users_or_empty() if users is None else users
    found = users.get(govern_login_of(user))
    return found.display_name if found and found.display_name else display_name_of(user)


# -- which actions a person sees -----------------------------------------------------------------------------------


def actions_visible_to(user, state: str = ""):
    """Review actions `user` may see: their own; admins and auditors see everyone's. Newest first."""
    actions = ReviewAction.objects.select_related("actor")
    if not has_role(user, ADMIN, AUDITOR):
        actions = actions.filter(actor=user)
    if state:
        actions = actions.filter(state=state)
    return actions


def action_for(user, action_id: int) -> ReviewAction | None:
    """One action `user` may see, or None."""
    return actions_visible_to(user).filter(pk=action_id).first()


def own_action_by_key(user, idempotency_key: str) -> ReviewAction | None:
    """The action `user` already recorded with this form's key (a double submit or a browser retry), or None."""
    if not idempotency_key:
        return None
    return ReviewAction.objects.filter(idempotency_key=idempotency_key, actor=user).first()

