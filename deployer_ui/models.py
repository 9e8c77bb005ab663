"""What the portal itself remembers about deployments: the updates it started (with their polling state machine),
API node samples and wall screens."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

STUCK_STARTING_MESSAGE = "The portal stopped before the Deployer confirmed the update; check the deployment."


class DeploymentUpdateQuerySet(models.QuerySet):
    def running(self) -> DeploymentUpdateQuerySet:
        return self.filter(state=DeploymentUpdate.State.RUNNING)

    def active(self) -> DeploymentUpdateQuerySet:
        """Starting or running: at most one per deployment (a database constraint)."""
        return self.filter(state__in=DeploymentUpdate.ACTIVE_STATES)

    def succeeded(self) -> DeploymentUpdateQuerySet:
        """Finished with the bundle running: success or warning."""
        return self.filter(state=DeploymentUpdate.State.FINISHED, outcome__in=DeploymentUpdate.SUCCEEDED)

    def claimable(self, now: datetime | None = None) -> DeploymentUpdateQuerySet:
        """Running updates with a future to follow and no live lease: the lease was never taken (the poll task was
        lost) or it expired (its poller died). Each may be claimed by one poller."""
        now = now or timezone.now()
        return self.running().exclude(job_id="").filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))

    def orphaned(self, now: datetime | None = None) -> DeploymentUpdateQuerySet:
        """The updates the resume sweep hands to a new poller: the claimable ones (nobody follows them)."""
        return self.claimable(now)

    def stuck_starting(self, before: datetime) -> DeploymentUpdateQuerySet:
        """Records written before their POST that never got a future (the process died in between)."""
        return self.filter(state=DeploymentUpdate.State.STARTING, started_at__lt=before)

    def close_stuck_starting(self, before: datetime) -> int:
        """End the `stuck_starting` records as unknown. Returns how many were closed."""
        return self.stuck_starting(before).update(
            state=DeploymentUpdate.State.FINISHED, outcome=DeploymentUpdate.Outcome.UNKNOWN,
            finished_at=timezone.now(), error_message=STUCK_STARTING_MESSAGE,
        )

    def request_abort(self, username: str) -> int:
        """Note who asked the Deployer to abort these (running) updates; the poller records the aborted end."""
        return self.running().update(abort_requested_by=username)


class DeploymentUpdate(models.Model):
    """One deployment update started from the portal, and the polling state of its upstream future.

    The states: STARTING (the row is written before the Deployer is called, and never deleted, so the record survives
    any crash) → RUNNING (the Deployer answered with a future, `job_id`) → FINISHED (with an `outcome`; terminal).

    The lease: a poller follows a running update only while it holds the lease (`lease_owner`, a token of its own, and
    `lease_until`). It `claim`s the row with a conditional UPDATE that succeeds only when no live lease exists, and
    `renew`s the lease on every read; a renewal or a `finish` that matches no row (the row count is checked) tells it
    that it lost the lease, and it stops. A poller that dies simply lets its lease expire: the update is then
    `orphaned` and the resume sweep hands it to a new poller. So a future is never polled by two pollers at once, and
    an update is finished (and audited) exactly once.
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

    class Kind(models.TextChoices):
        UPDATE = "update", "Update"
        DEPLOY_BUNDLE = "deploy_bundle", "Deploy another bundle"
        RETRY = "retry", "Retry"
        ROLLBACK = "rollback", "Roll back"
        REDEPLOY = "redeploy", "Redeploy"

    ACTIVE_STATES = (State.STARTING, State.RUNNING)
    SUCCEEDED = (Outcome.SUCCESS, Outcome.WARNING)
    FAILED = (Outcome.ERROR, Outcome.ABORTED)

    deployment_id = models.CharField(max_length=255, db_index=True)
    project_key = models.CharField(max_length=255, blank=True)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    requester_username = models.CharField(max_length=150, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.UPDATE)
    # The update this one retries, rolls back from, or redeploys the bundle of.
    origin = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="followups")
    # What it deployed, resolved when it started (never "the current bundle", which changes): the bundle in the
    # deployment's settings before (`previous_bundle_id`) and the one it deployed (`bundle_id`; equal for a plain
    # update).
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

    objects = DeploymentUpdateQuerySet.as_manager()

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
    def succeeded(self) -> bool:
        return self.finished and self.outcome in self.SUCCEEDED

    @property
    def failed(self) -> bool:
        """Ended in error or aborted: what Retry and Roll back are offered on."""
        return self.finished and self.outcome in self.FAILED

    @property
    def changed_bundle(self) -> bool:
        return bool(self.bundle_id) and self.bundle_id != self.previous_bundle_id

    @property
    def started_by(self) -> str:
        """The portal person who started it: full name when known, else the username kept on the record."""
        name = self.requester.get_full_name() if self.requester_id and self.requester else ""
        return name or self.requester_username or "—"

    @property
    def duration(self):
        return (self.finished_at - self.started_at) if self.finished_at and self.started_at else None

    # -- transitions: each one conditional UPDATE whose row count says whether it happened --------------------------

    def _row(self) -> DeploymentUpdateQuerySet:
        return DeploymentUpdate.objects.filter(pk=self.pk)

    def mark_running(self, *, job_id: str, percent: int | None, label: str) -> bool:
        """STARTING → RUNNING once the Deployer answered with a future. False if the row is no longer starting."""
        done = self._row().filter(state=self.State.STARTING).update(
            job_id=job_id, state=self.State.RUNNING, progress_percent=percent, progress_label=label[:255],
        )
        self.refresh_from_db()
        return done == 1

    def claim(self, lease: timedelta) -> str | None:
        """Take the lease of a claimable update for `lease`. Returns the token that holds it, or None when another
        poller holds a live lease (or the update is not running)."""
        token = uuid.uuid4().hex
        now = timezone.now()
        if not DeploymentUpdate.objects.filter(pk=self.pk).claimable(now).update(lease_owner=token,
                                                                                   lease_until=now + lease):
            return None
        self.refresh_from_db()
        return token

    def renew(self, token: str, lease: timedelta, *, percent: int | None = None, label: str | None = None,
              error: str = "") -> bool:
        """Extend the lease after one read of the future, storing that read's progress (when known) and error.
        False when `token` lost the lease or the update is no longer running: the poller must stop."""
        now = timezone.now()
        values = {"lease_until": now + lease, "last_polled_at": now, "poll_count": F("poll_count") + 1,
                  "error_message": error}
        if label is not None:
            values.update(progress_percent=percent, progress_label=label[:255])
        return self._row().filter(lease_owner=token, state=self.State.RUNNING).update(**values) == 1

    def finish(self, outcome: str, *, token: str | None = None, reports: list | None = None, error: str = "",
               percent: int | None = None) -> bool:
        """Record the end (terminal: FINISHED, lease dropped), only if the update is not finished yet and, with a
        `token`, only if that poller still holds the lease. True if this call ended it."""
        rows = self._row().exclude(state=self.State.FINISHED)
        if token is not None:
            rows = rows.filter(lease_owner=token)
        values = {"state": self.State.FINISHED, "outcome": outcome, "finished_at": timezone.now(), "lease_until": None,
                  "error_message": error[:2000]}
        if reports is not None:
            values["reports"] = reports
        if percent is not None:
            values["progress_percent"] = percent
        return rows.update(**values) == 1

    def request_abort(self, username: str) -> bool:
        """Note who asked the Deployer to abort this update. False if it is no longer running."""
        return DeploymentUpdate.objects.filter(pk=self.pk).request_abort(username) == 1


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


class WallScreenQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Screens whose token still opens their wall: not revoked, not expired."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class WallScreen(models.Model):
    """A wall screen without a login: its token (stored as a SHA-256 digest; the token itself is shown once), the
    part of the wall it shows, and when and from where it last polled.

    A screen is revoked once (`revoke`, a conditional UPDATE) and never comes back; an expired one neither.
    """

    name = models.CharField(max_length=100)
    token_sha256 = models.CharField(max_length=64, unique=True)
    # The scope: empty lists mean "every stage / infra / project".
    stages = models.JSONField(default=list, blank=True)
    infras = models.JSONField(default=list, blank=True)
    projects = models.JSONField(default=list, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_by_username = models.CharField(max_length=150, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by_username = models.CharField(max_length=150, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_seen_address = models.GenericIPAddressField(null=True, blank=True)

    objects = WallScreenQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"wall screen {self.name!r} (#{self.pk})"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def usable(self, now=None) -> bool:
        return not self.revoked and not self.expired(now)

    def revoke(self, by: str) -> bool:
        """Revoke the token now. False (and nothing changed) when it already was."""
        now = timezone.now()
        done = WallScreen.objects.filter(pk=self.pk, revoked_at__isnull=True).update(revoked_at=now,
                                                                                    revoked_by_username=by)
        if done:
            self.revoked_at, self.revoked_by_username = now, by
        return bool(done)

    def seen(self, address: str | None, *, every: float) -> None:
        """Record a poll from `address`: written at most every `every` seconds per screen (or when the address
        changes), so fifty screens polling every few seconds cost the database a write a minute each, not ten."""
        now = timezone.now()
        if (self.last_seen_at is not None and self.last_seen_address == address
                and (now - self.last_seen_at).total_seconds() < every):
            return
        WallScreen.objects.filter(pk=self.pk).update(last_seen_at=now, last_seen_address=address)
        self.last_seen_at, self.last_seen_address = now, address
