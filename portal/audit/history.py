"""The history of one thing (an artifact, one of its steps, a deployment, a review action), for the history tab of
its page: the apps include `templates/audit/_history.html`, or load `/audit/history/?artifact=…` with htmx."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Q, QuerySet

from portal.audit.models import AuditEvent

LIMIT = 50


@dataclass
class History:
    events: list[AuditEvent]
    more: bool
    # The same selection on /audit/ (for those who may open it), as a query string; "" when it has no filter form.
    audit_query: str = ""
    label: str = ""
    actor_ids: set[int] = field(default_factory=set)


def _history(qs: QuerySet[AuditEvent], limit: int, audit_filters: dict | None, label: str) -> History:
    rows = list(qs.select_related("actor").order_by("-id")[: limit + 1])
    return History(
        events=rows[:limit],
        more=len(rows) > limit,
        audit_query=urlencode(audit_filters) if audit_filters else "",
        label=label,
        actor_ids={e.actor_id for e in rows[:limit] if e.actor_id},
    )


def for_target(target_type: str, target_id: str, *, limit: int = LIMIT) -> History:
    """Events whose target is exactly (`target_type`, `target_id`), newest first."""
    qs = AuditEvent.objects.filter(target_type=target_type, target_id=target_id)
    return _history(qs, limit, {"q": target_id}, f"{target_type} {target_id}")


def for_artifact(artifact_id: str, step_id: str | None = None, *, limit: int = LIMIT) -> History:
    """Everything about an artifact (its reviews, delegations, status changes, steps), or only one of its steps."""
    qs = AuditEvent.objects.filter(artifact_id=artifact_id)
    if step_id:
        qs = qs.filter(target_id=f"{artifact_id}/{step_id}")
        return _history(qs, limit, {"artifact": artifact_id, "q": f"{artifact_id}/{step_id}"},
                        f"step {step_id} of {artifact_id}")
    return _history(qs, limit, {"artifact": artifact_id}, f"artifact {artifact_id}")


def for_deployment(deployment_id: str, *, limit: int = LIMIT) -> History:
    """A deployment's updates, bundle switches and aborts."""
    qs = AuditEvent.objects.filter(deployment_id=deployment_id)
    return _history(qs, limit, {"deployment": deployment_id}, f"deployment {deployment_id}")


def for_review_action(action_id: int, *, limit: int = LIMIT) -> History:
    """The events of one review action (pending, delivered or refused), and what the Govern mirror observed of it."""
    own = AuditEvent.objects.filter(input__action_id=action_id)
    ids = list(own.values_list("id", flat=True)[:limit])
    qs = AuditEvent.objects.filter(Q(id__in=ids) | Q(portal_event_id__in=ids))
    return _history(qs, limit, None, f"review action {action_id}")
