"""Sending a confirmed review action to Govern, exactly once.

A worker (or the request, right after commit) first claims the action with a conditional UPDATE — state pending and
no live claim — so two workers never send the same action. A retry after an attempt whose outcome is unknown
(timeout, 5xx, garbage) first reads the step back from Govern: if the attributed review (or the delegation) is already
there, the action is marked delivered instead of being sent again.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from govern_ui.client import GovernClient, get_client
from govern_ui.models import ReviewAction, attribution
from portal.audit import service as audit
from portal.lib.upstream import UpstreamError

log = logging.getLogger(__name__)

# Longer than a request may take (connect + read timeouts), so a live attempt is never taken over.
CLAIM_SECONDS = 60
SWEEP_BATCH = 100


def backoff_seconds(attempts: int) -> int:
    base = settings.GOVERN_DELIVERY_BACKOFF_BASE
    return min(settings.GOVERN_DELIVERY_BACKOFF_MAX, base * 2 ** max(0, attempts - 1))


def _claim(action_id: int) -> bool:
    now = timezone.now()
    claimed = (
        ReviewAction.objects.filter(pk=action_id, state=ReviewAction.State.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=CLAIM_SECONDS), attempts=F("attempts") + 1, updated_at=now)
    )
    return claimed == 1


def _finish(action: ReviewAction, **fields) -> bool:
    """Write the attempt's result if the action is still pending (it is ours: we hold the claim)."""
    fields.setdefault("claimed_until", None)
    fields["updated_at"] = timezone.now()
    return ReviewAction.objects.filter(pk=action.pk, state=ReviewAction.State.PENDING).update(**fields) == 1


def _already_applied(client: GovernClient, action: ReviewAction) -> bool:
    """Whether an earlier attempt whose answer was lost did reach Govern."""
    sign_off = client.get_sign_off(action.artifact_id, action.step_id)
    if action.kind == ReviewAction.Kind.DELEGATE:
        return sign_off.status == "DELEGATED" and sign_off.delegated_to == action.delegate_to
    marker = attribution(action.govern_login)
    return any(r.comment.startswith(marker) and r.outcome == action.outcome for r in sign_off.reviews)


def _send(client: GovernClient, action: ReviewAction) -> None:
    if action.kind == ReviewAction.Kind.DELEGATE:
        client.delegate_sign_off(
            action.artifact_id, action.step_id, action.delegate_to, action.upstream_comment()
        )
    else:
        client.add_review(action.artifact_id, action.step_id, action.outcome, action.upstream_comment())


def deliver_action(action_id: int) -> str:
    """Try to deliver one pending action once. Returns its state afterwards, or "busy" when another worker holds it
    (or it is no longer pending). Never raises an `UpstreamError`: a transient failure leaves the action pending with
    a later `next_attempt_at`; a refusal (4xx) marks it refused with Govern's message."""
    if not _claim(action_id):
        return "busy"
    action = ReviewAction.objects.select_related("actor").get(pk=action_id)
    client = get_client()
    try:
        if action.attempts > 1 and _already_applied(client, action):
            log.info("review action %s was already applied by an earlier attempt", action.pk)
        else:
            _send(client, action)
    except UpstreamError as exc:
        return _failed(action, exc)
    now = timezone.now()
    _finish(
        action,
        state=ReviewAction.State.DELIVERED,
        delivered_at=now,
        upstream_status=200,
        last_error="",
        next_attempt_at=None,
    )
    _audit(action, "delivered", upstream_status=200)
    _refresh_index_entry(action.artifact_id)
    return ReviewAction.State.DELIVERED


def _failed(action: ReviewAction, exc: UpstreamError) -> str:
    # A 500 or an unreadable answer may hide an applied review: retry, and the retry reconciles first. A rejected
    # service key (401/403) is the portal's configuration, not the reviewer's decision: keep the action pending
    # until an administrator fixes the key, instead of refusing it for good.
    transient = exc.retryable or exc.kind in ("bad_response", "auth")
    if transient:
        delay = backoff_seconds(action.attempts)
        _finish(
            action,
            last_error=str(exc.message)[:2000],
            upstream_status=exc.status,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
        )
        log.warning("review action %s: attempt %s failed (%s); retry in %ss", action.pk, action.attempts, exc, delay)
        _audit(
            action,
            "pending",
            upstream_status=exc.status,
            detail=f"attempt {action.attempts} failed: {exc.message}; retrying in {delay}s",
        )
        return ReviewAction.State.PENDING
    message = exc.message if exc.kind == "refused" else f"{exc.upstream or 'Govern'} {exc.message}"
    _finish(
        action,
        state=ReviewAction.State.REFUSED,
        last_error=message[:2000],
        upstream_status=exc.status,
        next_attempt_at=None,
    )
    _audit(action, "refused", upstream_status=exc.status, detail=message)
    return ReviewAction.State.REFUSED


def _audit(action: ReviewAction, outcome: str, *, upstream_status: int | None, detail: str = "") -> None:
    """Record one delivery attempt's outcome in the audit log, as the action's actor."""
    audit.record(
        actor=action.actor,
        action=f"signoff.{action.kind}",
        target_type="signoff",
        target_id=action.target,
        outcome=outcome,
        input=_audit_input(action),
        upstream_status=upstream_status,
        detail=detail,
    )


def _audit_input(action: ReviewAction) -> dict:
    data = {
        "kind": action.kind,
        "govern_login": action.govern_login,
        "comment": action.comment,
        "idempotency_key": action.idempotency_key,
        "action_id": action.pk,
    }
    if action.delegate_to:
        data["delegate_to"] = action.delegate_to
    return data


def _refresh_index_entry(artifact_id: str) -> None:
    from govern_ui.services import refresh_index_entry

    try:
        refresh_index_entry(artifact_id)
    except UpstreamError as exc:
        # The next full rebuild corrects the entry; the queue already hides steps with a delivered portal action.
        log.warning("could not refresh the sign-off index entry of %s: %s", artifact_id, exc)


def due_action_ids(limit: int = SWEEP_BATCH) -> list[int]:
    """Pending actions whose retry time has come and that nobody is delivering, oldest first."""
    now = timezone.now()
    return list(
        ReviewAction.objects.filter(state=ReviewAction.State.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def deliver_due(limit: int = SWEEP_BATCH) -> dict[str, int]:
    """Deliver every due pending action once; returns counts by resulting state."""
    counts: dict[str, int] = {}
    for action_id in due_action_ids(limit):
        state = deliver_action(action_id)
        counts[state] = counts.get(state, 0) + 1
    return counts
