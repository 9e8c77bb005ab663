"""Reviewing a sign-off step: who may do what on it (step access), the step's panel, recording and sending a
confirmed action, and which actions a person may see."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.db import transaction

from govern_ui import delivery
from govern_ui.catalog import Catalog, display_name, users_or_empty
from govern_ui.client import NEVER, UPSTREAM, Artifact, GovernUser, SignOff, SignOffStep, get_client
from govern_ui.index import SignOffIndex, reviewers_of
from govern_ui.models import ReviewAction
from portal.audit import service as audit
from portal.lib.errors import Refused
from portal.lib.upstream import UpstreamError, UpstreamNotFound
from portal.lib.web import upstream_error_text
from portal.models import govern_login_of
from portal.roles import ADMIN, AUDITOR, REVIEWER, has_role

log = logging.getLogger(__name__)

COMMENT_MAX_CHARS = 5000
FORM_REUSED = "This form was already used. Reload the page and try again."


# -- step access: the pure rule ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepAccess:
    can_review: bool
    can_delegate: bool
    reason: str = ""


def step_access(
    *,
    is_reviewer: bool,
    login: str,
    sign_off: SignOff,
    own_actions: Iterable[ReviewAction],
    reviewers: frozenset[str] | None = None,
) -> StepAccess:
    """What a person (acting as Govern `login`) may do on a step, decided from Govern's reviews (or `reviewers`, the
    logins the sign-off index knows) and their own pending and delivered portal actions. The reason explains a
    refusal in words a reviewer understands."""
    if not is_reviewer:
        return StepAccess(False, False, "Only reviewers can act on sign-offs.")
    if sign_off.is_decided:
        return StepAccess(False, False, f"This step is already {sign_off.status.lower()}.")
    if sign_off.delegated_to and sign_off.delegated_to != login:
        return StepAccess(False, False, f"This step is delegated to {sign_off.delegated_to}; only they may review it.")
    mine = list(own_actions)
    pending = [a for a in mine if a.state == ReviewAction.State.PENDING]
    if pending:
        return StepAccess(False, False, f"Your {pending[0].get_kind_display().lower()} of this step is being sent.")
    known = reviewers if reviewers is not None else reviewers_of(sign_off)
    reviewed = login in known or any(
        a.kind != ReviewAction.Kind.DELEGATE and a.state == ReviewAction.State.DELIVERED for a in mine
    )
    if reviewed:
        return StepAccess(False, True, "You have already reviewed this step.")
    return StepAccess(True, True)


# -- panels and step context ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    reviewer: str
    display_name: str
    outcome: str
    comment: str
    when: datetime | None


@dataclass(frozen=True)
class StepPanel:
    sign_off: SignOff
    step: SignOffStep | None
    timeline: tuple[TimelineEntry, ...]
    delegated_to_name: str
    access: StepAccess
    my_actions: tuple[ReviewAction, ...]


@dataclass(frozen=True)
class StepContext:
    artifact: Artifact
    panel: StepPanel
    # Govern could not be reached: the checks used the sign-off index (or nothing, when it is cold); Govern itself
    # enforces the decided and delegated rules when the action is delivered.
    degraded: str = ""


def own_actions(login: str, artifact_id: str, step_ids: Iterable[str] | None = None) -> dict[str, list[ReviewAction]]:
    """`login`'s open (pending or delivered) actions on an artifact, by step id."""
    actions = ReviewAction.objects.open().filter(govern_login=login, artifact_id=artifact_id)
    if step_ids is not None:
        actions = actions.filter(step_id__in=list(step_ids))
    out: dict[str, list[ReviewAction]] = {}
    for action in actions:
        out.setdefault(action.step_id, []).append(action)
    return out


def step_panel(
    user,
    login: str,
    sign_off: SignOff,
    steps_by_id: dict[str, SignOffStep],
    users: dict[str, GovernUser],
    own: dict[str, list[ReviewAction]],
) -> StepPanel:
    """One sign-off step as a page shows it: its reviews in order, its delegate, and what `user` may do."""
    timeline = tuple(
        TimelineEntry(r.reviewer, display_name(r.reviewer, users), r.outcome, r.comment, r.reviewed_on)
        for r in sorted(sign_off.reviews, key=lambda r: r.reviewed_on or NEVER)
    )
    mine = own.get(sign_off.step_id, [])
    return StepPanel(
        sign_off=sign_off,
        step=steps_by_id.get(sign_off.step_id),
        timeline=timeline,
        delegated_to_name=display_name(sign_off.delegated_to, users) if sign_off.delegated_to else "",
        access=step_access(is_reviewer=has_role(user, REVIEWER), login=login, sign_off=sign_off, own_actions=mine),
        my_actions=tuple(a for a in mine if a.state == ReviewAction.State.PENDING),
    )


def step_context(artifact_id: str, step_id: str, user, *, allow_cached: bool = False) -> StepContext:
    """One step of one artifact, fresh from Govern, with what `user` may do. Raises `UpstreamNotFound`; raises other
    `UpstreamError`s unless `allow_cached`, where a transient outage falls back to the sign-off index so an action can
    still be recorded as pending."""
    client = get_client()
    login = govern_login_of(user)
    own = own_actions(login, artifact_id, [step_id])
    try:
        artifact = client.get_artifact(artifact_id)
        sign_off = client.get_sign_off(artifact_id, step_id)
    except UpstreamError as exc:
        if not (allow_cached and exc.retryable):
            raise
        return _cached_step_context(artifact_id, step_id, user, login, own, exc)
    try:
        version = client.get_blueprint_version(artifact.blueprint_id, artifact.blueprint_version_id)
        steps_by_id = {s.id: s for s in version.sign_off_steps}
    except UpstreamNotFound:
        steps_by_id = {}
    return StepContext(artifact, step_panel(user, login, sign_off, steps_by_id, users_or_empty(), own))


def _cached_step_context(artifact_id, step_id, user, login, own, exc: UpstreamError) -> StepContext:
    snapshot = SignOffIndex().load()
    entry = snapshot.artifacts.get(artifact_id) if snapshot else None
    note = f"{upstream_error_text(exc, UPSTREAM)}: the action will be recorded and sent when it is back."
    if entry is None:
        artifact = Artifact(artifact_id, "", "", "", None, "")
        sign_off = SignOff(step_id, "", "UNKNOWN")
        reviewers = frozenset()
    else:
        artifact = Artifact(artifact_id, entry.name, entry.blueprint_id, "", None, "")
        step = next((s for s in entry.steps if s.step_id == step_id), None)
        if step is None:
            # The index holds only open steps: this one is decided (or unknown) as far as we last knew.
            sign_off = SignOff(step_id, "", "APPROVED/REJECTED")
            access = StepAccess(False, False, "As far as the portal last heard from Govern, this step is decided.")
            panel = StepPanel(sign_off, None, (), "", access, ())
            return StepContext(artifact, panel, degraded=note)
        sign_off = SignOff(step_id, step.step_name, step.status, delegated_to=step.delegated_to)
        reviewers = step.reviewers
    mine = own.get(step_id, [])
    access = step_access(
        is_reviewer=has_role(user, REVIEWER), login=login, sign_off=sign_off, own_actions=mine, reviewers=reviewers
    )
    panel = StepPanel(sign_off, None, (), sign_off.delegated_to, access, tuple(mine))
    return StepContext(artifact, panel, degraded=note)


def delegates() -> dict[str, GovernUser]:
    """The Govern users a step may be delegated to, by login: no list, no delegation. Raises `UpstreamError`."""
    return Catalog().users()


# -- recording and sending an action -------------------------------------------------------------------------------


def submit_action(
    *,
    user,
    kind: str,
    artifact_id: str,
    step_id: str,
    idempotency_key: str,
    comment: str = "",
    delegate_to: str = "",
) -> tuple[ReviewAction, bool]:
    """Record a confirmed action as pending, then (after commit) try to deliver it once.

    Returns (action, created). The same idempotency key again returns the first action unchanged (a double submit or
    a browser retry sends nothing). Raises `Refused` when the portal's rules forbid it (checked against the step as
    Govern has it now), `UpstreamNotFound` for unknown ids, `UpstreamError` when Govern cannot be read.
    """
    existing = ReviewAction.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.actor_id != user.pk:
            raise Refused(FORM_REUSED)
        return existing, False
    if kind not in ReviewAction.Kind.values:
        raise Refused("Unknown action.")
    if len(comment) > COMMENT_MAX_CHARS:
        raise Refused(f"The comment is too long: at most {COMMENT_MAX_CHARS:,} characters.")
    if kind == ReviewAction.Kind.REJECT and not comment.strip():
        raise Refused("A rejection needs a comment.")
    login = govern_login_of(user)
    context = step_context(artifact_id, step_id, user, allow_cached=True)
    access = context.panel.access
    allowed = access.can_delegate if kind == ReviewAction.Kind.DELEGATE else access.can_review
    if not allowed:
        raise Refused(access.reason or "You cannot act on this step.")
    if kind == ReviewAction.Kind.DELEGATE:
        if not delegate_to:
            raise Refused("Choose the Govern user to delegate to.")
        if delegate_to == login:
            raise Refused("You cannot delegate a step to yourself.")
        if delegate_to not in users_or_empty():
            raise Refused(f"{delegate_to!r} is not a Govern user.")
    else:
        delegate_to = ""
    with transaction.atomic():
        action, created = ReviewAction.objects.get_or_create(
            idempotency_key=idempotency_key,
            defaults={
                "kind": kind,
                "artifact_id": artifact_id,
                "step_id": step_id,
                "artifact_name": context.artifact.name[:500],
                "step_name": context.panel.sign_off.step_name[:500],
                "actor": user,
                "govern_login": login,
                "comment": comment,
                "delegate_to": delegate_to,
            },
        )
        if created:
            audit.record(
                actor=user,
                action=f"signoff.{kind}",
                target_type="signoff",
                target_id=action.target,
                outcome="pending",
                blueprint_id=context.artifact.blueprint_id,
                input={
                    "kind": kind,
                    "govern_login": login,
                    "comment": comment,
                    "delegate_to": delegate_to,
                    "idempotency_key": idempotency_key,
                    "action_id": action.pk,
                },
            )
            # One attempt in this process right after commit, so the reviewer usually sees "delivered" at once; the
            # sweeper retries whatever this attempt leaves pending.
            transaction.on_commit(partial(delivery.deliver_action, action.pk), robust=True)
    if not created and action.actor_id != user.pk:
        raise Refused(FORM_REUSED)
    return action, created


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
