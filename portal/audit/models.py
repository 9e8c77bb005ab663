"""The history store: append-only, hash-chained audit events, the chain's head, and the results of its verification.

Events are added only by `portal.audit.service` (which keeps the chain); every other way of writing to the table
through the ORM raises `AuditImmutableError`. On PostgreSQL a trigger refuses UPDATE and DELETE as well (migration
0002), so raw SQL from the application cannot rewrite history either; `verify_audit` finds what got past both.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils import timezone


class AuditImmutableError(Exception):
    """Raised on any attempt to change or delete an audit event, or to add one outside the service."""


class AuditQuerySet(models.QuerySet):
    """Read freely; never write in bulk."""

    def update(self, **kwargs):
        raise AuditImmutableError("Audit events are append-only: they cannot be updated.")

    def delete(self):
        raise AuditImmutableError("Audit events are append-only: they cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditImmutableError("Audit events are append-only: they cannot be updated.")

    def _raw_delete(self, using):
        raise AuditImmutableError("Audit events are append-only: they cannot be deleted.")

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if not all(getattr(obj, "_chain_append", False) for obj in objs):
            raise AuditImmutableError("Audit events are added only through portal.audit.service.")
        return super().bulk_create(objs, *args, **kwargs)

    def _update(self, values):
        # The path of Model.save() on an existing row, and of related-object nulling; never allowed here.
        raise AuditImmutableError("Audit events are append-only: they cannot be updated.")


class AuditEvent(models.Model):
    """One thing that happened: an action through the portal (`portal`) or a change seen in Govern (`observed`).

    `hash` = sha256(`prev_hash` + canonical JSON of the hashed fields, see `portal.audit.chain`); `prev_hash` is the
    hash of the event before it in id order. Step-level targets are named "<artifact id>/<step id>".
    """

    class Source(models.TextChoices):
        PORTAL = "portal", "Portal"
        OBSERVED = "observed", "Observed in Govern"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.PORTAL)
    # The portal user, when there is one. Not a database constraint and never cleared: deleting a user must not
    # rewrite history (actor_username keeps the name).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )
    # The name shown: the portal username, the Govern login of an observed event, "system" for workers, or the name
    # typed in a failed sign-in.
    actor_username = models.CharField(max_length=150, blank=True)
    govern_login = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=512)
    artifact_id = models.CharField(max_length=200, blank=True)
    blueprint_id = models.CharField(max_length=200, blank=True)
    deployment_id = models.CharField(max_length=200, blank=True)
    # What the person asked for: comment, outcome, delegate, bundle, ids of the portal's own records.
    input = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=32)
    # The upstream's answer: HTTP status and message.
    upstream_status = models.PositiveSmallIntegerField(null=True, blank=True)
    detail = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    client_ip = models.CharField(max_length=45, blank=True)
    # Set on events that may be seen more than once (what the Govern mirror observes): a second insert adds nothing.
    natural_key = models.CharField(max_length=255, null=True, blank=True, unique=True)
    # An observed event that is the echo of a portal action links to the portal's event, so it is counted once.
    portal_event = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="observations"
    )
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, db_index=True)
    # Lower-cased text of the searchable fields (portal.audit.chain.search_text); on PostgreSQL a trigram index makes
    # "contains" fast at any size (migration 0002).
    search = models.TextField(blank=True, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        # Keyset pages are "id < cursor ORDER BY id DESC" under one filter: each filter gets an index ending in id.
        indexes = [
            models.Index(fields=["target_type", "target_id", "id"], name="audit_target_id_idx"),
            models.Index(fields=["actor_username", "id"], name="audit_actor_id_idx"),
            models.Index(fields=["govern_login", "id"], name="audit_govern_login_id_idx"),
            models.Index(fields=["action", "id"], name="audit_action_id_idx"),
            models.Index(fields=["source", "id"], name="audit_source_id_idx"),
            models.Index(fields=["artifact_id", "id"], name="audit_artifact_id_idx"),
            models.Index(fields=["blueprint_id", "id"], name="audit_blueprint_id_idx"),
            models.Index(fields=["deployment_id", "id"], name="audit_deployment_id_idx"),
            models.Index(fields=["request_id", "id"], name="audit_request_id_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action} {self.target_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditImmutableError("Audit events are append-only: they cannot be changed.")
        if not getattr(self, "_chain_append", False):
            raise AuditImmutableError("Audit events are added only through portal.audit.service.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError("Audit events are append-only: they cannot be deleted.")

    @property
    def actor_display(self) -> str:
        """The actor as readers know them: "Alice Martin (alice)" for a portal user with a name (the account may have
        been deleted since: then the stored username), else the stored name (a Govern login, "system")."""
        name = ""
        if self.actor_id:
            try:
                name = self.actor.get_full_name() if self.actor is not None else ""
            except ObjectDoesNotExist:
                name = ""
        return f"{name} ({self.actor_username})" if name and self.actor_username else (name or self.actor_username)

    @property
    def comment(self) -> str:
        value = self.input.get("comment") if isinstance(self.input, dict) else None
        return value if isinstance(value, str) else ""


class ChainHead(models.Model):
    """The one row naming the chain's last event. Appends lock it (SELECT … FOR UPDATE on PostgreSQL; SQLite's write
    lock serialises them anyway), so two writers can never both link to the same previous event."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_event_id = models.BigIntegerField(null=True, blank=True)
    last_hash = models.CharField(max_length=64)
    length = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"chain head: {self.length} events, last #{self.last_event_id}"


class VerifyRun(models.Model):
    """One walk of the chain by `verify_audit` (the command, the daily beat task or an admin's button)."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.CharField(max_length=150, blank=True)
    ok = models.BooleanField(null=True)
    verified = models.BigIntegerField(default=0)
    # The first event found altered, inserted or missing (or the event after a gap), and what is wrong with it.
    first_bad_event_id = models.BigIntegerField(null=True, blank=True)
    problem = models.CharField(max_length=16, blank=True)
    message = models.TextField(blank=True)
    # The last event this run vouched for: a later run checks it still has this hash.
    last_event_id = models.BigIntegerField(null=True, blank=True)
    last_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        state = "running" if self.ok is None else ("passed" if self.ok else "FAILED")
        return f"verify {self.started_at:%Y-%m-%d %H:%M} {state}"

    @property
    def running(self) -> bool:
        return self.finished_at is None
