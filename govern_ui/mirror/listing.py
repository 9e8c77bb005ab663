"""The artifact list as a query on the Govern mirror: filtered, searched, sorted and paged by the database, so a page of
a 10,000-artifact list reads one page of rows and a count, however often the reader rewrites rows.

The order matches `govern_ui.browse.pick_artifacts` (the list before the mirror is filled): names compare lower-cased,
undated artifacts come first (last when descending), and the artifact id breaks ties.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.db.models import F, OrderBy, QuerySet
from django.db.models.functions import Coalesce, Lower

from govern_ui.client import ArtifactSummary
from govern_ui.models import MirroredArtifact

T = TypeVar("T")

COLUMNS = ("artifact_id", "name", "blueprint_id", "status", "created_on", "created_by", "modified_on")


def _order(sort: str, descending: bool) -> list[OrderBy]:
    def dated(expression: Any) -> OrderBy:
        # Undated first ascending, last descending: Python's sort with a "never" date does the same.
        return expression.desc(nulls_last=True) if descending else expression.asc(nulls_first=True)

    def plain(expression: Any) -> OrderBy:  # never null: no NULLS clause, so an index can give the order
        return expression.desc() if descending else expression.asc()

    keys = {
        "status": [plain(F("status")), plain(Lower("name"))],
        "created": [dated(F("created_on"))],
        "modified": [dated(Coalesce("modified_on", "created_on"))],
    }.get(sort, [plain(Lower("name"))])
    return keys + [plain(F("artifact_id"))]


def matching(*, blueprint: str = "", status: str = "", q: str = "", sort: str = "name",
             descending: bool = False) -> QuerySet:
    """The live mirrored artifacts matching the filters (`q`: a case-insensitive substring of the name), in order, as
    rows of `COLUMNS`."""
    rows = MirroredArtifact.objects.live()
    if blueprint:
        rows = rows.filter(blueprint_id=blueprint)
    if status:
        rows = rows.filter(status=status)
    if q.strip():
        rows = rows.filter(name__icontains=q.strip())
    return rows.order_by(*_order(sort, descending)).values_list(*COLUMNS)


def summary(row: tuple) -> ArtifactSummary:
    artifact_id, name, blueprint_id, status, created_on, created_by, _ = row
    return ArtifactSummary(artifact_id, name, blueprint_id, status, created_on, created_by)


def modified_on(row: tuple) -> datetime | None:
    return row[6]


class Rows(Sequence[T]):
    """A query's rows as a read-only sequence for a paginator: the length is one COUNT (asked once), a slice one
    LIMIT/OFFSET query, each row shaped by `shape`."""

    def __init__(self, query: QuerySet, shape: Callable[[tuple], T], count: Callable[[], int] | None = None):
        self._query = query
        self._shape = shape
        self._count: int | None = None
        self._counter = count or query.count

    def count(self) -> int:
        if self._count is None:
            self._count = self._counter()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        if isinstance(item, slice):
            return [self._shape(row) for row in self._query[item]]
        return self._shape(self._query[item])

    def reshaped(self, shape: Callable[[tuple], Any]) -> Rows:
        """The same rows shaped otherwise, sharing the count."""
        return Rows(self._query, shape, self.count)


def choices() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The blueprint ids and the statuses of the live mirrored artifacts (the list's filter choices), sorted."""
    live = MirroredArtifact.objects.live().order_by()
    blueprints = live.values_list("blueprint_id", flat=True).distinct()
    statuses = live.values_list("status", flat=True).distinct()
    return tuple(sorted(blueprints)), tuple(sorted(statuses))
