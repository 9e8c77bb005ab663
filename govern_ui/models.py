"""Review actions: every approve/reject/delegate a reviewer confirms, written before it is sent to Govern."""

from __future__ import annotations

from django.conf import settings
from django.db import models


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


def attribution(login: str) -> str:
    """The marker that names the real person in Govern's history (the portal sends as one service account)."""
    return f"[via portal: {login}]"
