"""What the portal itself remembers about deployments: updates it started, and API node samples."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class DeploymentUpdate(models.Model):
    """One deployment update started from the portal, and the polling state of its upstream future.

    The row is written before the Deployer is called and is never deleted, so the record survives any crash. A poller
    owns a running row only while it holds the lease (`lease_owner`, `lease_until`), claimed and renewed with
    conditional UPDATEs: a future is never polled by two tasks at once.
    """

    class State(models.TextChoices):
        STARTING = "starting", "Starting"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"

    class Outcome(models.TextChoices):
        NONE = "", "—"
        SUCCESS = "success", "Success"
        WARNING = "warning", "Warning"
        ERROR = "error", "Error"
        ABORTED = "aborted", "Aborted"
        UNKNOWN = "unknown", "Unknown"

    ACTIVE_STATES = (State.STARTING, State.RUNNING)

    deployment_id = models.CharField(max_length=255, db_index=True)
    project_key = models.CharField(max_length=255, blank=True)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    requester_username = models.CharField(max_length=150, blank=True)
    # Set when the update was started by "deploy another bundle": the bundle saved in the settings first.
    bundle_id = models.CharField(max_length=255, blank=True)
    previous_bundle_id = models.CharField(max_length=255, blank=True)
    job_id = models.CharField(max_length=255, blank=True, db_index=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.STARTING, db_index=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.NONE, blank=True)
    progress_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    progress_label = models.CharField(max_length=255, blank=True)
    reports = models.JSONField(default=list, blank=True)
    error_message = models.TextField(blank=True)
    abort_requested_by = models.CharField(max_length=150, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    poll_count = models.PositiveIntegerField(default=0)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # One portal-started update per deployment at a time: a double submit cannot start two.
            models.UniqueConstraint(
                fields=["deployment_id"],
                condition=Q(state__in=["starting", "running"]),
                name="deployer_ui_one_active_update_per_deployment",
            ),
        ]

    def __str__(self) -> str:
        return f"update #{self.pk} of {self.deployment_id} ({self.state} {self.outcome})"

    @property
    def finished(self) -> bool:
        return self.state == self.State.FINISHED

    @property
    def duration(self):
        return (self.finished_at - self.started_at) if self.finished_at and self.started_at else None


class ApiNodeSample(models.Model):
    """One minute's `/health` and `/metrics` reading of one API node (or the error that prevented it)."""

    node_id = models.CharField(max_length=255)
    taken_at = models.DateTimeField(db_index=True)
    health_status = models.CharField(max_length=32, blank=True)
    total_requests = models.BigIntegerField(null=True, blank=True)
    active_requests = models.IntegerField(null=True, blank=True)
    average_latency_ms = models.FloatField(null=True, blank=True)
    error_count = models.BigIntegerField(null=True, blank=True)
    # {serviceId: {"requests": int, "latency_ms": float, "errors": int}}
    services = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-taken_at"]
        indexes = [models.Index(fields=["node_id", "taken_at"])]

    def __str__(self) -> str:
        return f"{self.node_id} @ {self.taken_at:%Y-%m-%d %H:%M}"
