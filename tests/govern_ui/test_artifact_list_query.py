"""The artifact list from the Govern mirror is ordered by the database exactly as the catalog's list is ordered in
Python before the mirror is filled: every sort, both directions, with filters, undated artifacts and ties."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from govern_ui import browse
from govern_ui.catalog import ArtifactList
from govern_ui.client import ArtifactSummary
from govern_ui.models import MirroredArtifact
from tests.govern_ui.helpers import fill_mirror

pytestmark = pytest.mark.django_db(transaction=True)


def _python_order(filters: dict) -> list[str]:
    rows = MirroredArtifact.objects.live().order_by("artifact_id")
    listing = ArtifactList.of(tuple(
        ArtifactSummary(r.artifact_id, r.name, r.blueprint_id, r.status, r.created_on, r.created_by) for r in rows))
    modified = {r.artifact_id: r.modified_on for r in rows}
    return [listing.artifacts[i].id for i in browse.pick_artifacts(listing, modified, **filters)]


@pytest.mark.parametrize("sort", list(browse.SORTS))
@pytest.mark.parametrize("descending", [False, True])
def test_each_sort_matches_the_catalogs_order(sandbox, sort, descending):
    fill_mirror()
    now = timezone.now()
    # An undated artifact, a name tie told apart by id, and one removed from Govern (never listed).
    MirroredArtifact.objects.create(artifact_id="zz-undated", name="Churn", status="draft", next_visit_at=now)
    MirroredArtifact.objects.create(artifact_id="aa-same-name", name="CHURN", status="draft", next_visit_at=now,
                                    created_on=now - dt.timedelta(days=3), modified_on=now)
    MirroredArtifact.objects.create(artifact_id="gone", name="Churn", next_visit_at=now, removed_at=now)
    for filters in ({}, {"q": " churn "}, {"status": "draft"}):
        filters = {**filters, "sort": sort, "descending": descending}
        page = browse.artifact_page(**filters)
        shown = [a.id for a in page.matches[0:len(page.matches)]]
        assert shown == _python_order(filters), filters
        assert "gone" not in shown and page.total == len(shown)
        assert [row.artifact.id for row in page.rows] == shown[:len(page.rows)]
