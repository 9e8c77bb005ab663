"""The Govern mirror's rows: every artifact with the summary of its custom fields the queue needs and its sign-offs,
when each is next read (`due`), and the reader's own state (directory, last contact, an outage being bridged).

The reader (`govern_ui.mirror`) is the only writer; pages read these rows and never wait on Govern. Sign-offs are
kept as Govern sends them (`SignOff` JSON, timestamps in epoch milliseconds), so the queue's rules run on exactly
what Govern said.
"""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

OPEN = ("NOT_STARTED", "IN_PROGRESS", "DELEGATED")


def open_step_count(sign_offs: list[dict]) -> int:
    """How many of `sign_offs` (Govern JSON) are undecided."""
    return sum(1 for s in sign_offs if s.get("status") in OPEN)


class MirroredArtifactQuerySet(models.QuerySet):
    def live(self) -> MirroredArtifactQuerySet:
        """Artifacts Govern still lists."""
        return self.filter(removed_at__isnull=True)

    def with_open_steps(self) -> MirroredArtifactQuerySet:
        return self.live().filter(open_steps__gt=0)

    def due(self, now: datetime | None = None) -> MirroredArtifactQuerySet:
        """Live artifacts whose next visit has come, most overdue first: what a sweep reads next. Undecided ones fall
        due every GOVERN_SYNC_OPEN_SECONDS, the others once a day, so by due time they come first and most often."""
        return self.live().filter(next_visit_at__lte=now or timezone.now()).order_by("next_visit_at", "id")

    def make_due(self, now: datetime | None = None) -> int:
        """Visit these at the next sweep (after an outage, or a mirror that must catch up). Returns how many."""
        now = now or timezone.now()
        return self.filter(next_visit_at__gt=now).update(next_visit_at=now)


class MirroredArtifact(models.Model):
    """One Govern artifact as the reader last read it."""

    artifact_id = models.CharField(max_length=255, unique=True)
    name = models.CharField(max_length=500, blank=True)
    blueprint_id = models.CharField(max_length=255, blank=True, db_index=True)
    blueprint_version_id = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=255, blank=True)
    created_on = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=150, blank=True)
    modified_on = models.DateTimeField(null=True, blank=True)
    modified_by = models.CharField(max_length=150, blank=True)
    # The custom fields' summary the queue's rules need: creator and owner field (self-review), reviewers field.
    owners = models.JSONField(default=list, blank=True)
    named_reviewers = models.JSONField(default=list, blank=True)
    # Step id -> assignee type (USER, GROUP, ROLE) from the artifact's blueprint version.
    assignees = models.JSONField(default=dict, blank=True)
    # Govern's sign-offs, in workflow order, as its JSON.
    sign_offs = models.JSONField(default=list, blank=True)
    open_steps = models.PositiveIntegerField(default=0, db_index=True)
    # Listed by Govern when the mirror was empty: its first visit records its reviews, not its appearance.
    baseline = models.BooleanField(default=False)
    removed_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    visited_at = models.DateTimeField(null=True, blank=True)  # its sign-offs were last read then
    detail_at = models.DateTimeField(null=True, blank=True)  # its own record (custom fields) was last read then
    next_visit_at = models.DateTimeField(db_index=True)
    # Counts the changes observed on it: part of the natural key of each change's audit event.
    changes = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # What pages show of it (list fields, sign-offs, removal) last changed then: a visit that found nothing new leaves
    # it, so the pages' per-process caches last while the reader re-reads unchanged artifacts.
    shown_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = MirroredArtifactQuerySet.as_manager()

    class Meta:
        ordering = ["artifact_id"]
        indexes = [
            models.Index(fields=["removed_at", "next_visit_at"], name="mirror_due_idx"),
            # The artifact list's default order (`govern_ui.mirror.listing`): a page is read in index order.
            models.Index(Lower("name"), "artifact_id", name="mirror_name_idx"),
            # The mirror's age (oldest reading behind the open steps, artifacts never read): read from the index alone.
            models.Index(fields=["removed_at", "open_steps", "visited_at"], name="mirror_age_idx"),
        ]

    def __str__(self) -> str:
        return f"mirror of {self.artifact_id}"

    def schedule(self, now: datetime) -> None:
        """Set the next visit: soon while a step is undecided, within a day otherwise (spread over the second half
        of the day by id, so the daily visits do not all fall due in one sweep)."""
        if self.open_steps:
            self.next_visit_at = now + timedelta(seconds=settings.GOVERN_SYNC_OPEN_SECONDS)
            return
        spread = 0.5 + (zlib.crc32(self.artifact_id.encode()) % 1000) / 2000
        self.next_visit_at = now + timedelta(seconds=settings.GOVERN_SYNC_DECIDED_SECONDS * spread)

    def shown(self) -> tuple:
        """What pages show of it: compared before and after a write (`shown_at`)."""
        return (self.name, self.blueprint_id, self.status, self.created_on, self.created_by, self.modified_on,
                self.modified_by, self.owners, self.named_reviewers, self.assignees, self.sign_offs, self.open_steps,
                self.removed_at)

    def detail_is_due(self, now: datetime) -> bool:
        return self.detail_at is None or now - self.detail_at >= timedelta(seconds=settings.GOVERN_SYNC_DETAIL_SECONDS)


class MirrorState(models.Model):
    """The reader's one row: when it last read the list and the directory, when Govern last answered, and the
    outage it is bridging (`down_since`: the last good contact before Govern stopped answering)."""

    listed_at = models.DateTimeField(null=True, blank=True)  # the last complete artifact list
    directory_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    down_since = models.DateTimeField(null=True, blank=True)
    # {"signers": [...], "names": {login: name}, "blueprints": {id: name}}
    directory = models.JSONField(default=dict, blank=True)
    # "blueprint id|version id" -> {step id: assignee type}
    assignees = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return "Govern mirror state"

    @classmethod
    def load(cls) -> MirrorState:
        """The one row (created empty on first use)."""
        return cls.objects.get_or_create(pk=1)[0]

    def list_is_due(self, now: datetime) -> bool:
        return self.listed_at is None or now - self.listed_at >= timedelta(seconds=settings.GOVERN_SYNC_LIST_SECONDS)

    def directory_is_due(self, now: datetime) -> bool:
        return self.directory_at is None or now - self.directory_at >= timedelta(
            seconds=settings.GOVERN_SYNC_DIRECTORY_SECONDS
        )

