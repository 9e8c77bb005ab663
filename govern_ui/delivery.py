"""Sending a confirmed review action to Govern, exactly once.

A worker (or the request, right after commit) first claims the action (`ReviewAction.objects.claim`, a conditional
UPDATE: still pending, no live claim), so two workers never send the same action. A retry after an attempt whose
outcome is unknown (timeout, 5xx, garbage) first reads the step back from Govern: if the attributed review (or the
delegation) is already there, the action is marked delivered instead of being sent again.
"""

from __future__ import annotations

import logging

from django.conf import settings

from govern_ui import index
from govern_ui.client import UPSTREAM, GovernClient, get_client
from govern_ui.models import ReviewAction, attribution
from portal.audit import service as audit
from portal.lib.upstream import UpstreamError
from portal.lib.web import upstream_error_text

log = logging.getLogger(__name__)

SWEEP_BATCH = 100
BUSY = "busy"


def backoff_seconds(attempts: int) -> int:
    base = settings.GOVERN_DELIVERY_BACKOFF_BASE
    return min(settings.GOVERN_DELIVERY_BACKOFF_MAX, base * 2 ** max(0, attempts - 1))


def _already_applied(client: GovernClient, action: ReviewAction) -> bool:
    """Whether an earlier attempt whose answer was lost did reach Govern."""
    sign_off = client.get_sign_off(action.artifact_id, action.step_id)
    if action.kind == ReviewAction.Kind.DELEGATE:
        return sign_off.status == "DELEGATED" and sign_off.delegated_to == action.delegate_to
    marker = attribution(action.govern_login)
    return any(r.comment.startswith(marker) and r.outcome == action.outcome for r in sign_off.reviews)


def _send(client: GovernClient, action: ReviewAction) -> None:
    if action.kind == ReviewAction.Kind.DELEGATE:
        client.delegate_sign_off(action.artifact_id, action.step_id, action.delegate_to, action.upstream_comment())
    else:
        client.add_review(action.artifact_id, action.step_id, action.outcome, action.upstream_comment())


def deliver_action(action_id: int) -> str:
    """Try to deliver one pending action once. Returns its state afterwards, or "busy" when another worker holds it
    (or it is no longer pending). Never raises an `UpstreamError`: a transient failure leaves the action pending with
    a later `next_attempt_at`; a refusal (4xx) marks it refused with Govern's message."""
    action = ReviewAction.objects.claim(action_id)
    if action is None:
        return BUSY
    client = get_client()
    try:
        if action.attempts > 1 and _already_applied(client, action):
            log.info("review action %s was already applied by an earlier attempt", action.pk)
        else:
            if action.attempts > 1 and not action.renew():
                # The read back took so long that the claim ran out and another worker took the action over.
                return BUSY
            _send(client, action)
    except UpstreamError as exc:
        return _failed(action, exc)
    action.mark_delivered()
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
        action.mark_retry(str(exc.message), exc.status, delay)
        log.warning("review action %s: attempt %s failed (%s); retry in %ss", action.pk, action.attempts, exc, delay)
        _audit(
            action,
            "pending",
            upstream_status=exc.status,
            detail=f"attempt {action.attempts} failed: {exc.message}; retrying in {delay}s",
        )
        return ReviewAction.State.PENDING
    message = exc.message if exc.kind == "refused" else upstream_error_text(exc, UPSTREAM)
    action.mark_refused(message, exc.status)
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
    try:
        index.refresh_entry(artifact_id)
    except UpstreamError as exc:
        # The next full rebuild corrects the entry; the queue already hides steps with a delivered portal action.
        log.warning("could not refresh the sign-off index entry of %s: %s", artifact_id, exc)


def deliver_due(limit: int = SWEEP_BATCH) -> dict[str, int]:
    """Deliver every due pending action once (oldest first, at most `limit`); returns counts by resulting state."""
    orphaned = ReviewAction.objects.orphaned().count()
    if orphaned:
        log.warning("review actions: %s attempt(s) stopped before finishing; retrying them", orphaned)
    counts: dict[str, int] = {}
    for action_id in list(ReviewAction.objects.due().values_list("pk", flat=True)[:limit]):
        state = deliver_action(action_id)
        counts[state] = counts.get(state, 0) + 1
    return counts
