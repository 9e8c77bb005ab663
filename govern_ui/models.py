"""Review actions and their delivery state machine: every approve/reject/delegate a reviewer confirms, written before it
is sent to Govern, and the claim (lease) that lets exactly one worker send it.

States: pending -> delivered | refused (both final). A pending action is sent by whoever `claim`s it: the claim is a
conditional UPDATE (still pending, no live claim) whose row count says who won, and it lasts `CLAIM_SECONDS`, longer
than one attempt may take, so a live attempt is never taken over while one whose worker died is picked up again once
its claim runs out. Each attempt ends in one transition (`mark_delivered`, `mark_retry`, `mark_refused`), itself a
conditional UPDATE on "still pending".
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

# Longer than a request may take (connect + read timeouts), so a live attempt is never taken over.
CLAIM_SECONDS = 60

_ATTRIBUTION = re.compile(r"^\[via portal: ([^\]]+)\]")


def attribution(login: str) -> str:
    """The marker that names the real person in Govern's history (the portal sends as one service account)."""
    return f"[via portal: {login}]"


def attributed_login(comment: str) -> str:
    """The login named by a comment's leading `attribution`, or ''."""
    match = _ATTRIBUTION.match(comment or "")
    return match.group(1) if match else ""


def _no_live_claim(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


class ReviewActionQuerySet(models.QuerySet):
    def pending(self) -> ReviewActionQuerySet:
        return self.filter(state=ReviewAction.State.PENDING)

    def open(self) -> ReviewActionQuerySet:
        """Pending or delivered: the actions that still count against a step (a refused one does not)."""
        return self.filter(state__in=(ReviewAction.State.PENDING, ReviewAction.State.DELIVERED))

    def claimable(self, now: datetime | None = None) -> ReviewActionQuerySet:
        """Pending actions nobody is sending now (never claimed, or claimed by an attempt whose time ran out)."""
        return self.pending().filter(_no_live_claim(now or timezone.now()))

    def orphaned(self, now: datetime | None = None) -> ReviewActionQuerySet:
        """Pending actions whose last claim ran out unfinished: the worker sending them stopped mid-attempt."""
        return self.pending().filter(claimed_until__lt=now or timezone.now())

    def due(self, now: datetime | None = None) -> ReviewActionQuerySet:
        """Claimable actions whose retry time has come, oldest first: what the sweeper sends."""
        now = now or timezone.now()
        return (
            self.claimable(now)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("created_at", "id")
        )

    def claim(self, action_id: int, now: datetime | None = None) -> ReviewAction | None:
        """Take the claim on one claimable action and count the attempt. Returns the action (with its actor) when this
        caller won, None when another holds it or it is no longer pending."""
        now = now or timezone.now()
        won = self.claimable(now).filter(pk=action_id).update(
            claimed_until=now + timedelta(seconds=CLAIM_SECONDS), attempts=F("attempts") + 1, updated_at=now
        )
        if won != 1:
            return None
        return self.select_related("actor").get(pk=action_id)


class ReviewAction(models.Model):
    """One confirmed action on a sign-off step and its delivery to Govern.

    The row is written first (pending), then delivered; `idempotency_key` comes from the form, so a double submit or a
    browser retry finds the same row instead of sending a second review.
    """

    class Kind(models.TextChoices):
        APPROVE = "approve", "Approve"
        REJECT = "reject", "Reject"
        DELEGATE = "delegate", "Delegate"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        REFUSED = "refused", "Refused"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    artifact_id = models.CharField(max_length=255)
    step_id = models.CharField(max_length=255)
    # Shown on the actions list even when Govern is down.
    artifact_name = models.CharField(max_length=500, blank=True)
    step_name = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_actions")
    govern_login = models.CharField(max_length=150)
    comment = models.TextField(blank=True)
    delegate_to = models.CharField(max_length=150, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    upstream_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # A worker owns a delivery attempt until this time (taken with a conditional UPDATE); after it, another may retry.
    claimed_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = ReviewActionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["artifact_id", "step_id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.artifact_id}/{self.step_id} by {self.govern_login} ({self.state})"

    @property
    def target(self) -> str:
        return f"{self.artifact_id}/{self.step_id}"

    @property
    def is_final(self) -> bool:
        return self.state != self.State.PENDING

    @property
    def outcome(self) -> str:
        """The Govern review outcome this action sends ('' for a delegation)."""
        return {"approve": "APPROVED", "reject": "REJECTED"}.get(self.kind, "")

    def upstream_comment(self) -> str:
        """The comment Govern records: the attribution, then the reviewer's words."""
        prefix = attribution(self.govern_login)
        return f"{prefix} {self.comment}" if self.comment else prefix

    # -- transitions of a claimed action: each a conditional UPDATE, True when it applied ------------------------

    def renew(self) -> bool:
        """Give this holder's claim a full `CLAIM_SECONDS` again. False when the claim is no longer the one this
        instance took (it ran out and another worker claimed the action) or the action is no longer pending."""
        now = timezone.now()
        until = now + timedelta(seconds=CLAIM_SECONDS)
        renewed = type(self).objects.pending().filter(pk=self.pk, claimed_until=self.claimed_until).update(
            claimed_until=until, updated_at=now
        )
        if renewed == 1:
            self.claimed_until, self.updated_at = until, now
        return renewed == 1

    def mark_delivered(self, upstream_status: int = 200) -> bool:
        """Govern applied it: final."""
        now = timezone.now()
        return self._finish(
            state=self.State.DELIVERED,
            delivered_at=now,
            upstream_status=upstream_status,
            last_error="",
            next_attempt_at=None,
            now=now,
        )

    def mark_retry(self, error: str, upstream_status: int | None, delay_seconds: float) -> bool:
        """The attempt failed in a way that may pass: stay pending, due again after `delay_seconds`."""
        now = timezone.now()
        return self._finish(
            last_error=error[:2000],
            upstream_status=upstream_status,
            next_attempt_at=now + timedelta(seconds=delay_seconds),
            now=now,
        )

    def mark_refused(self, error: str, upstream_status: int | None) -> bool:
        """Govern (or the portal's configuration) said no for good: final, never retried."""
        return self._finish(
            state=self.State.REFUSED, last_error=error[:2000], upstream_status=upstream_status, next_attempt_at=None
        )

    def _finish(self, *, now: datetime | None = None, **fields) -> bool:
        """Write an attempt's result and free the claim, if the action is still pending (ours: we hold the claim)."""
        fields["claimed_until"] = None
        fields["updated_at"] = now or timezone.now()
        done = type(self).objects.pending().filter(pk=self.pk).update(**fields) == 1
        if done:
            for name, value in fields.items():
                setattr(self, name, value)
        return done
