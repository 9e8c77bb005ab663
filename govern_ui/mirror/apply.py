"""Writing readings of Govern into the mirror: a sweep's batch of visits (each artifact's sign-offs, and its own
record when read) or the step a delivery read back, with the differences recorded as `observed` audit events in the
same transaction.

A reading that began before the row was last written (a slow sweep finishing after a delivery's read-back) is
dropped, so the mirror never steps back in time and never records a change that did not happen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from govern_ui.client import Artifact, SignOff
from govern_ui.mirror import observe
from govern_ui.mirror_models import MirroredArtifact, open_step_count
from govern_ui.people import logins_in, owners_of

log = logging.getLogger(__name__)


def sign_off_json(sign_off: SignOff) -> dict:
    """A sign-off as the mirror stores it: Govern's JSON shape, timestamps in epoch milliseconds."""
    data: dict = {"stepId": sign_off.step_id, "stepName": sign_off.step_name, "status": sign_off.status,
                  "reviews": []}
    for review in sign_off.reviews:
        item = {"reviewer": review.reviewer, "outcome": review.outcome}
        if review.comment:
            item["comment"] = review.comment
        if review.reviewed_on is not None:
            item["reviewedOn"] = int(review.reviewed_on.timestamp() * 1000)
        data["reviews"].append(item)
    if sign_off.delegated_to:
        data["delegatedTo"] = sign_off.delegated_to
    return data


def _locked(artifact_id: str) -> MirroredArtifact | None:
    return MirroredArtifact.objects.select_for_update().filter(artifact_id=artifact_id).first()


@dataclass
class Reading:
    """What one visit read of an artifact (Govern calls only; written by `readings`)."""

    row: MirroredArtifact
    read_at: datetime
    sign_offs: list[dict] | None = None  # None: not read (refused); see `gone`
    artifact: Artifact | None = None  # its own record, when it was read
    gone: bool = False  # Govern answered 404


def readings(found: list[Reading], assignees: dict[str, dict[str, str]]) -> int:
    """Store a sweep's batch of visits in one transaction and record what changed. `assignees`: step assignee
    types by "blueprint id|version id". A reading that began before its row was last written is dropped (the row
    stays due and is read again). Returns the number of audit events added."""
    if not found:
        return 0
    now = timezone.now()
    with transaction.atomic():
        rows = MirroredArtifact.objects.select_for_update().in_bulk(
            [r.row.artifact_id for r in found], field_name="artifact_id")
        changes: list[observe.Change] = []
        for reading in found:
            row = rows.get(reading.row.artifact_id)
            if row is None or row.removed_at is not None:
                continue
            shown = row.shown()
            if reading.gone:
                row.changes += 1
                row.removed_at = now
                changes.append(observe.removed(row.artifact_id, row.blueprint_id, row.changes))
            elif reading.sign_offs is None:
                row.schedule(now)
            elif row.updated_at > reading.read_at:
                continue
            else:
                changes += _apply(row, reading, assignees)
            if row.shown() != shown:
                row.shown_at = now
            row.save()
        return observe.record(changes)


def _apply(row: MirroredArtifact, reading: Reading, assignees: dict[str, dict[str, str]]) -> list[observe.Change]:
    first = row.visited_at is None
    seq = row.changes + 1
    sign_offs, artifact = reading.sign_offs or [], reading.artifact
    changes = observe.step_changes(row.artifact_id, row.blueprint_id, row.sign_offs, sign_offs, seq, first)
    if artifact is not None:
        fields = artifact.custom_fields or {}
        if not first and artifact.status != row.status:
            changes.append(observe.artifact_status_change(row.artifact_id, row.blueprint_id, row.status,
                                                          artifact.status, seq, artifact.last_modified_by))
        row.name, row.status = artifact.name[:500], artifact.status
        row.blueprint_version_id = artifact.blueprint_version_id
        row.created_on, row.created_by = artifact.created_on, artifact.created_by
        row.modified_on, row.modified_by = artifact.last_modified_on, artifact.last_modified_by
        row.owners = sorted(owners_of(artifact.created_by, fields, settings.GOVERN_OWNER_FIELD))
        row.named_reviewers = list(logins_in(fields, settings.GOVERN_REVIEWERS_FIELD))
        row.assignees = assignees.get(f"{artifact.blueprint_id}|{artifact.blueprint_version_id}", row.assignees)
        row.detail_at = reading.read_at
    if changes:
        row.changes = seq
    row.sign_offs, row.open_steps = sign_offs, open_step_count(sign_offs)
    row.visited_at = reading.read_at
    row.schedule(reading.read_at)  # from when it was read, so the bounds hold however long the write waited
    return changes


def step_read_back(artifact_id: str, sign_off: SignOff, read_at: datetime) -> int:
    """Store one step as a delivery read it back right after sending a decision, so the queue shows it at once.
    Returns the number of audit events added; 0 when the artifact is not mirrored yet (its first visit reads it)."""
    fresh = sign_off_json(sign_off)
    with transaction.atomic():
        row = _locked(artifact_id)
        if row is None or row.visited_at is None or row.updated_at > read_at:
            return 0
        before = row.sign_offs
        after = [fresh if s.get("stepId") == sign_off.step_id else s for s in before]
        if after == before:
            return 0
        seq = row.changes + 1
        changes = observe.step_changes(artifact_id, row.blueprint_id, before, after, seq, False)
        if changes:
            row.changes = seq
        row.sign_offs, row.open_steps = after, open_step_count(after)
        row.shown_at = timezone.now()
        # Not a full visit (one step only): `visited_at` and the schedule stay as they were.
        row.save(update_fields=["sign_offs", "open_steps", "changes", "updated_at", "shown_at"])
        return observe.record(changes)
