"""Writing the audit log. Every consequential action calls `record` once per outcome."""

from __future__ import annotations

from typing import Any

from portal.audit.models import AuditEvent

DETAIL_CHARS = 2000


def record(
    *,
    actor,
    action: str,
    target_type: str,
    target_id: str,
    outcome: str,
    input: dict[str, Any] | None = None,  # noqa: A002 - the audit field's name
    upstream_status: int | None = None,
    detail: str = "",
) -> AuditEvent:
    """Append one audit event and return it. `actor` may be None for system actions (workers, beat)."""
    username = actor.get_username() if actor is not None else "system"
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_username=username,
        action=action,
        target_type=target_type,
        target_id=str(target_id)[:512],
        input=input or {},
        outcome=outcome,
        upstream_status=upstream_status,
        detail=(detail or "")[:DETAIL_CHARS],
    )
