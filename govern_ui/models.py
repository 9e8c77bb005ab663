"""Review actions and their delivery state machine: every approve/reject/delegate a reviewer confirms, written before it
is sent to Govern, and the claim (lease) that lets exactly one worker send it.

One person, one vote, kept by the database: a partial unique index allows one open (pending or delivered) approve or
reject per Govern login and step, and another per portal user and step; a third allows one open delegation per step
(a delegation stops being open when a later one replaces it or Govern no longer shows it: `closed_at`). However many
tabs, API clients or web processes confirm at once, one insert wins and the others get an IntegrityError.

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

from govern_ui.mirror_models import MirroredArtifact, MirrorState  # noqa: F401 - registered with the app

# Longer than a request may take (connect + read timeouts), so a live attempt is never taken over.
CLAIM_SECONDS = 60

_ATTRIBUTION = re.compile(r"^\[via portal: ([^\]]+)\] ?")
VOTES = ("approve", "reject")
OPEN_STATES = ("pending", "delivered")


def attribution(login: str) -> str:
    """The marker that names the real person in Govern's history (the portal sends as one service account)."""
    return f"[via portal: {login}]"


def attributed_login(comment: str) -> str:
    """The login named by a comment's leading `attribution`, or ''."""
    match = _ATTRIBUTION.match(comment or "")
    return match.group(1) if match else ""


def without_attribution(comment: str) -> str:
    """The reviewer's own words: `comment` without a leading `attribution`."""
    return _ATTRIBUTION.sub("", comment or "", count=1)


def _no_live_claim(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


class ReviewActionQuerySet(models.QuerySet):
    def pending(self) -> ReviewActionQuerySet:
        return self.filter(state=ReviewAction.State.PENDING)

    def open(self) -> ReviewActionQuerySet:
        """Pending or delivered: the actions that still count against a step (a refused one does not)."""
        return self.filter(state__in=OPEN_STATES)

    def open_votes(self, artifact_id: str, step_id: str) -> ReviewActionQuerySet:
        """The approvals and rejections that count on a step (the rows the one-vote index covers)."""
        return self.open().filter(artifact_id=artifact_id, step_id=step_id, kind__in=VOTES, closed_at__isnull=True)

    def open_delegations(self, artifact_id: str, step_id: str) -> ReviewActionQuerySet:
        """The step's delegation made through the portal that is still in force (at most one: the index)."""
        return self.open().filter(
            artifact_id=artifact_id, step_id=step_id, kind=ReviewAction.Kind.DELEGATE, closed_at__isnull=True
        )

    def close(self, now: datetime | None = None) -> int:
        """Mark these actions no longer in force (a replaced delegation); returns how many were still open."""
        return self.filter(closed_at__isnull=True).update(closed_at=now or timezone.now())

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
    # A delegation of a step that was already delegated: whom it was taken from (handed back or reassigned).
    reassigned_from = models.CharField(max_length=150, blank=True)
    # The Govern account that sent it: the service account, or the reviewer's own login (GOVERN_REVIEW_AS=user).
    sent_as = models.CharField(max_length=150, blank=True)
    # A delegation no longer in force (replaced, or Govern no longer shows it); a vote closed by the one-vote
    # migration (a duplicate recorded before the index existed). Closed rows no longer count for uniqueness.
    closed_at = models.DateTimeField(null=True, blank=True)
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
        constraints = [
            models.UniqueConstraint(
                fields=["govern_login", "artifact_id", "step_id"],
                condition=Q(kind__in=VOTES, state__in=OPEN_STATES, closed_at__isnull=True),
                name="one_open_vote_per_login_and_step",
                violation_error_message="This person already has an approval or rejection recorded on this step.",
            ),
            models.UniqueConstraint(
                fields=["actor", "artifact_id", "step_id"],
                condition=Q(kind__in=VOTES, state__in=OPEN_STATES, closed_at__isnull=True),
                name="one_open_vote_per_user_and_step",
                violation_error_message="This person already has an approval or rejection recorded on this step.",
            ),
            models.UniqueConstraint(
                fields=["artifact_id", "step_id"],
                condition=Q(kind="delegate", state__in=OPEN_STATES, closed_at__isnull=True),
                name="one_open_delegation_per_step",
                violation_error_message="This step already has a delegation recorded.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.artifact_id}/{self.step_id} by {self.govern_login} ({self.state})"

    @property
    def target(self) -> str:
        return f"{self.artifact_id}/{self.step_id}"

    @property
    def is_final(self) -> bool:
        return self.state != self.State.PENDING

    @property
    def is_vote(self) -> bool:
        return self.kind in VOTES

    @property
    def is_reassignment(self) -> bool:
        return bool(self.reassigned_from)

    @property
    def outcome(self) -> str:
        """The Govern review outcome this action sends ('' for a delegation)."""
        return {"approve": "APPROVED", "reject": "REJECTED"}.get(self.kind, "")

    def upstream_comment(self, as_service: bool = True) -> str:
        """The comment Govern records: sent as the service account, the attribution then the reviewer's words; sent
        as the reviewer (Govern names them itself), their words alone."""
        if not as_service:
            return self.comment
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

    def mark_delivered(self, upstream_status: int = 200, sent_as: str = "") -> bool:
        """Govern applied it (sent as the Govern account `sent_as`): final."""
        now = timezone.now()
        return self._finish(
            state=self.State.DELIVERED,
            delivered_at=now,
            upstream_status=upstream_status,
            last_error="",
            next_attempt_at=None,
            sent_as=sent_as,
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
