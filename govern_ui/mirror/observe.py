"""What the Govern mirror's reader saw change, as `observed` audit events: a review not seen before, a delegation, a
step's or an artifact's status change, an artifact appearing or disappearing, and a gap the reader could not see.

Each event has a natural key, so seeing the same thing twice (two passes, a pass and a delivery's read-back) adds
nothing; a review or delegation that echoes a portal action links to the portal's own "delivered" event
(`portal_event`), so it is counted once: the portal's event is the action, the observed one its confirmation.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from govern_ui.models import ReviewAction, attributed_login, without_attribution
from portal.audit import service as audit
from portal.audit.models import AuditEvent
from portal.lib.parsing import ms_to_datetime

REVIEW = "govern.review"
DELEGATION = "govern.delegation"
STEP_STATUS = "govern.step.status"
ARTIFACT_STATUS = "govern.artifact.status"
APPEARED = "govern.artifact.appeared"
REMOVED = "govern.artifact.removed"
GAP = "govern.sync.gap"
# The actor of what Govern's API does not attribute (who delegated, who moved an artifact's status).
UNATTRIBUTED = "govern"
READER = "govern-mirror"


def natural_key(kind: str, *parts: object) -> str:
    """`govern:<kind>:<parts>`, or its digest when that would not fit the column."""
    readable = f"govern:{kind}:" + ":".join(str(p) for p in parts)
    if len(readable) <= 255:
        return readable
    return f"govern:{kind}:#" + hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).hexdigest()


@dataclass
class Change:
    """One observed difference, before it is linked and recorded."""

    action: str
    target_type: str
    target_id: str
    outcome: str
    key: str
    actor_name: str = UNATTRIBUTED
    govern_login: str = ""
    at: datetime | None = None
    input: dict = field(default_factory=dict)
    detail: str = ""
    blueprint_id: str = ""
    portal_event_id: int | None = None


def _review_identity(review: dict) -> tuple:
    return review.get("reviewer", ""), review.get("reviewedOn"), review.get("outcome", "")


def step_changes(artifact_id: str, blueprint_id: str, before: list[dict], after: list[dict], seq: int,
                 first_visit: bool) -> list[Change]:
    """The differences between two readings of an artifact's sign-offs (Govern JSON). On a first visit only the
    reviews are new (they carry their own times); the steps' statuses and delegations are the starting state."""
    old = {s.get("stepId"): s for s in before}
    changes: list[Change] = []
    for step in after:
        step_id = step.get("stepId", "")
        target = f"{artifact_id}/{step_id}"
        prior = old.get(step_id, {})
        seen = {_review_identity(r) for r in prior.get("reviews", [])}
        last_reviewer = ""
        for index, review in enumerate(step.get("reviews", [])):
            identity = _review_identity(review)
            if identity in seen:
                continue
            reviewer, on, outcome = identity
            comment = review.get("comment", "") or ""
            person = reviewer
            if reviewer == settings.GOVERN_SERVICE_LOGIN:
                person = attributed_login(comment) or reviewer
            last_reviewer = person
            changes.append(Change(
                REVIEW, "signoff", target, outcome,
                natural_key("review", target, reviewer, on if on is not None else f"#{index}", outcome),
                actor_name=person, govern_login=reviewer, at=ms_to_datetime(on), blueprint_id=blueprint_id,
                input={"reviewer": reviewer, "outcome": outcome, "comment": without_attribution(comment),
                       "reviewed_on": ms_to_datetime(on).isoformat() if on is not None else None},
            ))
        if first_visit:
            continue
        delegate = step.get("delegatedTo", "") or ""
        if delegate and delegate != (prior.get("delegatedTo", "") or ""):
            changes.append(Change(
                DELEGATION, "signoff", target, "DELEGATED", natural_key("delegation", target, seq, delegate),
                blueprint_id=blueprint_id, input={"delegate_to": delegate, "delegated_from": prior.get("delegatedTo")},
                detail="Govern does not say who delegated the step.",
            ))
        status, was = step.get("status", ""), prior.get("status", "")
        if prior and status != was:
            changes.append(Change(
                STEP_STATUS, "signoff", target, status, natural_key("step-status", target, seq, status),
                actor_name=last_reviewer or UNATTRIBUTED, blueprint_id=blueprint_id, input={"from": was, "to": status},
            ))
    return changes


def artifact_status_change(artifact_id: str, blueprint_id: str, was: str, now: str, seq: int, by: str) -> Change:
    """An artifact's workflow status moved (from the list or its own record)."""
    return Change(ARTIFACT_STATUS, "artifact", artifact_id, now,
                  natural_key("artifact-status", artifact_id, seq, now), actor_name=by or UNATTRIBUTED,
                  blueprint_id=blueprint_id, input={"from": was, "to": now})


def appeared(artifact_id: str, blueprint_id: str, name: str, created_by: str, created_on: datetime | None) -> Change:
    """An artifact Govern lists that the (non-empty) mirror did not know."""
    stamp = int(created_on.timestamp() * 1000) if created_on else ""
    return Change(APPEARED, "artifact", artifact_id, "appeared", natural_key("appeared", artifact_id, stamp),
                  actor_name=created_by or UNATTRIBUTED, at=created_on, blueprint_id=blueprint_id,
                  input={"name": name})


def removed(artifact_id: str, blueprint_id: str, seq: int) -> Change:
    """An artifact Govern no longer lists (or answers 404 for)."""
    return Change(REMOVED, "artifact", artifact_id, "removed", natural_key("removed", artifact_id, seq),
                  blueprint_id=blueprint_id)


def _delivered_event(action: ReviewAction | None) -> int | None:
    if action is None:
        return None
    return (
        AuditEvent.objects.filter(source=AuditEvent.Source.PORTAL, input__action_id=action.pk, outcome="delivered")
        .order_by("id").values_list("id", flat=True).first()
    )


def link(change: Change) -> Change:
    """Point an observed review or delegation at the portal event of the action it echoes, if any."""
    if change.target_type != "signoff" or change.action not in (REVIEW, DELEGATION):
        return change
    artifact_id, step_id = change.target_id.split("/", 1)
    actions = ReviewAction.objects.filter(artifact_id=artifact_id, step_id=step_id,
                                          state=ReviewAction.State.DELIVERED)
    if change.action == REVIEW:
        kind = {"APPROVED": "approve", "REJECTED": "reject"}.get(change.outcome, "")
        found = actions.filter(kind=kind, govern_login=change.actor_name).order_by("-delivered_at").first()
    else:
        found = actions.filter(kind=ReviewAction.Kind.DELEGATE, delegate_to=change.input.get("delegate_to"),
                               ).order_by("-delivered_at").first()
        if found is not None:
            change.actor_name = found.govern_login
            change.detail = ""
    change.portal_event_id = _delivered_event(found)
    return change


def record(changes: list[Change]) -> int:
    """Link and append the changes as `observed` events (those whose natural key is stored already are skipped).
    Returns how many were added. Raises the database's error (the caller's transaction then fails with it)."""
    if not changes:
        return 0
    # Only artifacts with a delivered portal action can hold an echo: look for links there alone.
    acted = set(ReviewAction.objects.filter(state=ReviewAction.State.DELIVERED,
                                            artifact_id__in={c.target_id.split("/", 1)[0] for c in changes})
                .values_list("artifact_id", flat=True))
    linked = [link(c) if c.target_id.split("/", 1)[0] in acted else c for c in changes]
    events = [
        audit.build_event(
            actor=None, source=AuditEvent.Source.OBSERVED, actor_name=c.actor_name, govern_login=c.govern_login,
            action=c.action, target_type=c.target_type, target_id=c.target_id, outcome=c.outcome,
            input=c.input, detail=c.detail, blueprint_id=c.blueprint_id, natural_key=c.key,
            portal_event=c.portal_event_id, at=c.at,
        )
        for c in linked
    ]
    return audit.record_many(events)


def record_gap(since: datetime, until: datetime, error: str) -> None:
    """The window in which Govern could not be read: changes made then are seen afterwards, timed when seen (reviews
    keep their own times)."""
    audit.record(
        actor=None, source=AuditEvent.Source.OBSERVED, actor_name=READER, action=GAP, target_type="govern",
        target_id="mirror", outcome="gap", natural_key=natural_key("gap", int(since.timestamp() * 1000)),
        input={"from": since.isoformat(), "to": until.isoformat()}, detail=error,
    )
