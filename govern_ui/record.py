"""Recording a confirmed review action: the portal's rules (step access, a person who may be delegated the step),
then one row the database keeps unique per person and step (one vote) or per step (one delegation in force), then
one delivery attempt after commit. Whatever the timing, a second vote by the same person loses and is told which
action already stands."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from govern_ui import delivery
from govern_ui.catalog import Catalog
from govern_ui.client import UPSTREAM, GovernUser
from govern_ui.index import reviewers_of
from govern_ui.models import VOTES, ReviewAction
from govern_ui.people import DelegationRules, names_of, resolve, signers
from govern_ui.review import COMMENT_MAX_CHARS, StepContext, Viewer, step_context, viewer_of
from portal.audit import service as audit
from portal.lib.errors import Refused
from portal.lib.upstream import UpstreamError
from portal.lib.web import upstream_error_text
from portal.models import govern_logins_in_group
from portal.roles import REVIEWER

FORM_REUSED = "This form was already used. Reload the page and try again."
NOUNS = {"approve": "approval", "reject": "rejection", "delegate": "delegation"}


class AlreadyRecorded(Refused):
    """Another action already stands where this one would go (a second vote, a second delegation): `action`."""

    def __init__(self, reason: str, action: ReviewAction):
        super().__init__(reason)
        self.action = action


class BadDelegate(Refused):
    """The person typed may not be delegated this step (unknown, ineligible, oneself, the service account)."""


def describe(action: ReviewAction, login: str) -> str:
    """The action that already stands, in a reviewer's words."""
    noun = NOUNS.get(action.kind, "action")
    state = "is being sent to Govern" if action.state == ReviewAction.State.PENDING else "was delivered to Govern"
    if action.is_vote:
        whose = "your" if action.govern_login == login else f"{action.govern_login}'s"
        return (f"You have already reviewed this step: {whose} {noun} (action #{action.pk}) {state}. "
                "One person gives one vote per step.")
    return f"This step already has a delegation to {action.delegate_to} (action #{action.pk}) that {state}."


# -- who may be delegated a step -----------------------------------------------------------------------------------


def delegation_rules(context: StepContext, viewer: Viewer) -> tuple[DelegationRules, dict[str, GovernUser]]:
    """The delegation rule for one step and delegator, and Govern's users. Raises `UpstreamError` when Govern's
    directory cannot be read (no list, no delegation)."""
    catalog = Catalog()
    users = context.facts.users or catalog.users()
    sign_off = context.panel.sign_off
    rules = DelegationRules(
        delegator=viewer.login,
        service_login=settings.GOVERN_SERVICE_LOGIN,
        portal_reviewers=govern_logins_in_group(REVIEWER),
        signers=signers(users.values(), catalog.roles(), settings.GOVERN_SIGNOFF_PERMISSIONS),
        owners=context.facts.owners if settings.GOVERN_PREVENT_SELF_REVIEW else frozenset(),
        reviewed=reviewers_of(sign_off),
        current_delegate=sign_off.delegated_to,
    )
    return rules, users


def pick_delegate(context: StepContext, viewer: Viewer, typed: str) -> str:
    """The login of the person `typed` names, when they may be delegated the step. Raises `BadDelegate` saying
    why not, or `Refused` when Govern's directory cannot be read."""
    try:
        rules, users = delegation_rules(context, viewer)
    except UpstreamError as exc:
        raise Refused(f"{upstream_error_text(exc, UPSTREAM)}: the person cannot be checked now. Try again later.") \
            from exc
    found = resolve(typed, users)
    if found.problem:
        raise BadDelegate(found.problem)
    problem = rules.refusal(found.login, names_of(users))
    if problem:
        raise BadDelegate(problem)
    return found.login


# -- recording -----------------------------------------------------------------------------------------------------


def submit_action(
    *,
    user,
    kind: str,
    artifact_id: str,
    step_id: str,
    idempotency_key: str,
    comment: str = "",
    delegate_to: str = "",
    reassign: bool = False,
) -> tuple[ReviewAction, bool]:
    """Record a confirmed action as pending, then (after commit) try to deliver it once.

    Returns (action, created). The same idempotency key again returns the first action unchanged (a double submit or
    a browser retry sends nothing). `reassign`: an administrator hands a delegated step back or to someone else.
    Raises `AlreadyRecorded` when this person's vote (or the step's delegation) already stands, `BadDelegate` for a
    person who may not be delegated the step, `Refused` when the portal's rules forbid it (checked against the step
    as Govern has it now), `UpstreamNotFound` for unknown ids, `UpstreamError` when Govern cannot be read.
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
    viewer = viewer_of(user)
    standing = standing_action(kind, artifact_id, step_id, viewer)
    if standing is not None:
        raise AlreadyRecorded(describe(standing, viewer.login), standing)
    checked_at = timezone.now()
    context = step_context(artifact_id, step_id, user, allow_cached=True)
    access = context.panel.access
    if kind == ReviewAction.Kind.DELEGATE:
        allowed = access.can_reassign if reassign else access.can_delegate
    else:
        allowed = access.can_review
    if not allowed:
        # An action of this person recorded meanwhile (another tab, another client) is named, with its link.
        standing = standing_action(kind, artifact_id, step_id, viewer)
        if standing is not None:
            raise AlreadyRecorded(describe(standing, viewer.login), standing)
        raise Refused(access.reason or "You cannot act on this step.")
    taken_from = ""
    if kind == ReviewAction.Kind.DELEGATE:
        delegate_to = pick_delegate(context, viewer, delegate_to)
        taken_from = context.panel.sign_off.delegated_to
    else:
        delegate_to = ""
    try:
        with transaction.atomic():
            if kind == ReviewAction.Kind.DELEGATE:
                # Portal delegations Govern had applied before the step was read are replaced by this one (the one
                # in force) or no longer in force (the read showed another state): close them, so the one-delegation
                # index admits the new row. One sent since the read was not seen: it stays, and the index refuses
                # this row (409), whoever wins the race.
                ReviewAction.objects.open_delegations(artifact_id, step_id).filter(
                    state=ReviewAction.State.DELIVERED, delivered_at__lt=checked_at
                ).close()
            action = ReviewAction.objects.create(
                idempotency_key=idempotency_key,
                kind=kind,
                artifact_id=artifact_id,
                step_id=step_id,
                artifact_name=context.artifact.name[:500],
                step_name=context.panel.sign_off.step_name[:500],
                actor=user,
                govern_login=viewer.login,
                comment=comment,
                delegate_to=delegate_to,
                reassigned_from=taken_from,
            )
            audit.record(
                actor=user,
                action=delivery.audit_name(action),
                target_type="signoff",
                target_id=action.target,
                outcome="pending",
                blueprint_id=context.artifact.blueprint_id,
                input={**delivery.audit_input(action), "reassigned_from": taken_from} if taken_from
                else delivery.audit_input(action),
            )
            # One attempt in this process right after commit, so the reviewer usually sees "delivered" at once;
            # the sweeper retries whatever this attempt leaves pending.
            transaction.on_commit(partial(delivery.deliver_action, action.pk), robust=True)
    except IntegrityError:
        return _lost_race(user, viewer, kind, artifact_id, step_id, idempotency_key), False
    return action, True


def standing_action(kind: str, artifact_id: str, step_id: str, viewer: Viewer) -> ReviewAction | None:
    """The action that already stands where this one would go, if any: this person's open vote on the step, or a
    delegation of the step still being sent."""
    if kind in VOTES:
        return (
            ReviewAction.objects.open_votes(artifact_id, step_id)
            .filter(Q(govern_login=viewer.login) | Q(actor=viewer.user))
            .first()
        )
    return ReviewAction.objects.open_delegations(artifact_id, step_id).pending().first()


def _lost_race(user, viewer: Viewer, kind: str, artifact_id: str, step_id: str, key: str) -> ReviewAction:
    """After the database refused the insert: the same form's action (a double submit), or `AlreadyRecorded`
    naming the action that won."""
    same_form = ReviewAction.objects.filter(idempotency_key=key).first()
    if same_form is not None:
        if same_form.actor_id != user.pk:
            raise Refused(FORM_REUSED)
        return same_form
    if kind in VOTES:
        winner = standing_action(kind, artifact_id, step_id, viewer)
    else:
        winner = ReviewAction.objects.open_delegations(artifact_id, step_id).order_by("-created_at").first()
    if winner is None:
        raise Refused("Another action on this step was recorded at the same moment. Reload the step and try again.")
    raise AlreadyRecorded(describe(winner, viewer.login), winner)

