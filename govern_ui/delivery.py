"""Sending a confirmed review action to Govern, exactly once, as the right Govern account.

A worker (or the request, right after commit) first claims the action (`ReviewAction.objects.claim`, a conditional
UPDATE: still pending, no live claim), so two workers never send the same action. A retry after an attempt whose
outcome is unknown (timeout, 5xx, garbage) first reads the step back from Govern: if the review (or the delegation)
is already there, the action is marked delivered instead of being sent again.

`GOVERN_REVIEW_AS=service` sends as the portal's service account, naming the person in the comment; `user` sends
with the actor's own Govern API key, so Govern records and checks the real reviewer. A personal key Govern refuses
(401) is marked refused on the profile and the action waits, pending, until the person saves a new one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from govern_ui.client import UPSTREAM, GovernClient, get_client
from govern_ui.mirror import apply as mirror
from govern_ui.models import ReviewAction, attribution
from portal.audit import service as audit
from portal.lib.upstream import UpstreamError, client_options
from portal.lib.web import upstream_error_text
from portal.models import profile_of

log = logging.getLogger(__name__)

SWEEP_BATCH = 100
BUSY = "busy"
WAITING_FOR_KEY = "Waiting for a valid personal Govern API key: the reviewer is asked to save one on their profile."


def backoff_seconds(attempts: int) -> int:
    base = settings.GOVERN_DELIVERY_BACKOFF_BASE
    return min(settings.GOVERN_DELIVERY_BACKOFF_MAX, base * 2 ** max(0, attempts - 1))


@dataclass
class Sender:
    """The Govern account one attempt sends as."""

    client: GovernClient
    login: str
    as_service: bool
    sealed: str = ""  # the personal key's sealed form, to mark exactly that key refused on a 401

    def close(self) -> None:
        if not self.as_service:
            self.client.session.close()


def sender_for(action: ReviewAction) -> Sender | None:
    """The service account, or (reviews sent as each reviewer) a client with the actor's own key; None when the
    actor has no usable key."""
    if settings.GOVERN_REVIEW_AS != "user":
        return Sender(get_client(), settings.GOVERN_SERVICE_LOGIN, True)
    profile = profile_of(action.actor)
    key = profile.govern_api_key() if profile.govern_api_key_status == "saved" else None
    if not key:
        return None
    client = GovernClient(**{**client_options(settings.GOVERN), "api_key": key})
    return Sender(client, action.govern_login, False, profile.govern_api_key_sealed)


def _already_applied(action: ReviewAction) -> bool:
    """Whether an earlier attempt whose answer was lost did reach Govern (read as the service account)."""
    sign_off = get_client().get_sign_off(action.artifact_id, action.step_id)
    if action.kind == ReviewAction.Kind.DELEGATE:
        return sign_off.status == "DELEGATED" and sign_off.delegated_to == action.delegate_to
    marker = attribution(action.govern_login)
    return any(
        r.outcome == action.outcome
        and (r.reviewer == action.govern_login or (r.reviewer == settings.GOVERN_SERVICE_LOGIN
                                                   and r.comment.startswith(marker)))
        for r in sign_off.reviews
    )


def _send(sender: Sender, action: ReviewAction) -> None:
    comment = action.upstream_comment(as_service=sender.as_service)
    if action.kind == ReviewAction.Kind.DELEGATE:
        sender.client.delegate_sign_off(action.artifact_id, action.step_id, action.delegate_to, comment or None)
    else:
        sender.client.add_review(action.artifact_id, action.step_id, action.outcome, comment or None)


def deliver_action(action_id: int) -> str:
    """Try to deliver one pending action once. Returns its state afterwards, or "busy" when another worker holds it
    (or it is no longer pending). Never raises an `UpstreamError`: a transient failure leaves the action pending with
    a later `next_attempt_at`; a refusal (4xx) marks it refused with Govern's message."""
    action = ReviewAction.objects.claim(action_id)
    if action is None:
        return BUSY
    sender = sender_for(action)
    if sender is None:
        action.mark_retry(WAITING_FOR_KEY, None, settings.GOVERN_DELIVERY_BACKOFF_MAX)
        return ReviewAction.State.PENDING
    try:
        if action.attempts > 1 and _already_applied(action):
            log.info("review action %s was already applied by an earlier attempt", action.pk)
        else:
            if action.attempts > 1 and not action.renew():
                # The read back took so long that the claim ran out and another worker took the action over.
                return BUSY
            _send(sender, action)
    except UpstreamError as exc:
        return _failed(action, exc, sender)
    finally:
        sender.close()
    action.mark_delivered(sent_as=sender.login)
    _audit(action, "delivered", upstream_status=200)
    _read_back(action)
    return ReviewAction.State.DELIVERED


def _failed(action: ReviewAction, exc: UpstreamError, sender: Sender) -> str:
    if not sender.as_service and exc.kind == "auth":
        return _personal_key_failed(action, exc, sender)
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


def _personal_key_failed(action: ReviewAction, exc: UpstreamError, sender: Sender) -> str:
    """Govern refused the actor's own key. 401: the key is bad: mark it so the person replaces it, and keep the
    action pending (nothing lost). 403: the key is fine but Govern does not let this person do it: refused."""
    if exc.status == 403:
        message = f"Govern does not allow {action.govern_login} to do this: {exc.message}"
        action.mark_refused(message, exc.status)
        _audit(action, "refused", upstream_status=exc.status, detail=message)
        return ReviewAction.State.REFUSED
    profile = profile_of(action.actor)
    if profile.mark_govern_api_key_refused(sender.sealed):
        audit.record(actor=action.actor, action="profile.govern_key.refused", target_type="user",
                     target_id=action.actor.get_username(), outcome="refused", upstream_status=exc.status,
                     input={"govern_login": action.govern_login},
                     detail="Govern refused the saved personal API key; the person is asked to replace it.")
    message = "Govern refused your personal API key. Replace it on your profile page; this action is sent then."
    action.mark_retry(message, exc.status, settings.GOVERN_DELIVERY_BACKOFF_MAX)
    _audit(action, "pending", upstream_status=exc.status, detail=message)
    return ReviewAction.State.PENDING


def retry_waiting_for(user) -> list[int]:
    """After `user` saved a new key: make their pending actions due now and try each once after commit. Returns
    their ids."""
    pending = ReviewAction.objects.pending().filter(actor=user)
    ids = list(pending.values_list("pk", flat=True))
    pending.update(next_attempt_at=None)
    for action_id in ids:
        transaction.on_commit(partial(deliver_action, action_id), robust=True)
    return ids


def on_govern_key_saved(sender, user, **kwargs) -> None:
    """Receiver of `portal.signals.govern_key_saved`."""
    retry_waiting_for(user)


def audit_name(action: ReviewAction) -> str:
    """The audit log's name for an action: a delegation of an already delegated step is a reassignment."""
    return "signoff.reassign" if action.is_reassignment else f"signoff.{action.kind}"


def audit_input(action: ReviewAction) -> dict:
    data = {
        "kind": action.kind,
        "govern_login": action.govern_login,
        "comment": action.comment,
        "idempotency_key": action.idempotency_key,
        "action_id": action.pk,
    }
    if action.delegate_to:
        data["delegate_to"] = action.delegate_to
    if action.reassigned_from:
        data["reassigned_from"] = action.reassigned_from
    return data


def _audit(action: ReviewAction, outcome: str, *, upstream_status: int | None, detail: str = "") -> None:
    """Record one delivery attempt's outcome in the audit log, as the action's actor."""
    audit.record(
        actor=action.actor,
        action=audit_name(action),
        target_type="signoff",
        target_id=action.target,
        outcome=outcome,
        input=audit_input(action),
        upstream_status=upstream_status,
        detail=detail,
    )


def _read_back(action: ReviewAction) -> None:
    """Read the step back from Govern into the mirror, so the queue shows the decision at once and the mirror's
    observed event of it links to the portal's "delivered" event."""
    read_at = timezone.now()
    try:
        mirror.step_read_back(action.artifact_id, get_client().get_sign_off(action.artifact_id, action.step_id),
                              read_at)
    except UpstreamError as exc:
        # The mirror's next visit of the artifact reads it; the queue already hides steps with a delivered action.
        log.warning("could not read %s back into the Govern mirror: %s", action.target, exc)


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
