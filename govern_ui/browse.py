"""Browsing Govern: blueprints and their versions, the artifact list (filtered, searched, sorted and paged over the
catalog), an artifact's detail with its custom fields rendered by type, and the roles and users."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator

from govern_ui.catalog import ArtifactList, Catalog, display_name, users_or_empty
from govern_ui.client import (
    NEVER,
    Artifact,
    ArtifactSummary,
    Blueprint,
    BlueprintSummary,
    BlueprintVersion,
    BlueprintVersionSummary,
    FieldSetting,
    GovernUser,
    Role,
    SignOffStep,
    get_client,
)
from govern_ui.mirror import listing
from govern_ui.mirror import read as mirror
from govern_ui.review import StepPanel, facts_of, portal_actions, step_panel, viewer_of
from portal.lib.parallel import gather
from portal.lib.upstream import UpstreamNotFound

# -- blueprints ----------------------------------------------------------------------------------------------------


def list_blueprints() -> list[BlueprintSummary]:
    """Every blueprint (summaries). Raises `UpstreamError`."""
    return get_client().list_blueprints()


@dataclass(frozen=True)
class BlueprintDetail:
    blueprint: Blueprint
    versions: list[BlueprintVersionSummary]


def blueprint_detail(blueprint_id: str) -> BlueprintDetail:
    """A blueprint and its versions (newest first). Raises `UpstreamNotFound` for an unknown id."""
    client = get_client()
    blueprint = client.get_blueprint(blueprint_id)
    versions = sorted(client.list_blueprint_versions(blueprint_id), key=lambda v: -(v.version_number or 0))
    return BlueprintDetail(blueprint, versions)


def version_detail(blueprint_id: str, version_id: str) -> BlueprintVersion:
    """One blueprint version. Raises `UpstreamNotFound` for unknown ids."""
    return get_client().get_blueprint_version(blueprint_id, version_id)


# -- the artifact list ---------------------------------------------------------------------------------------------

SORTS = {
    "name": "Name",
    "status": "Status",
    "created": "Created",
    "modified": "Modified",
}


@dataclass(frozen=True)
class ArtifactRow:
    artifact: ArtifactSummary
    modified_on: dt.datetime | None
    created_on: dt.datetime | None


class Matches:
    """The artifacts a filter picked, in order: a read-only sequence over the catalog's list by position (length,
    index, slice), so paging over ten thousand matches copies none of them."""

    def __init__(self, listing: ArtifactList, positions: list[int]):
        self._artifacts = listing.artifacts
        self._positions = positions

    def __len__(self) -> int:
        return len(self._positions)

    def __getitem__(self, item: int | slice) -> ArtifactSummary | list[ArtifactSummary]:
        if isinstance(item, slice):
            return [self._artifacts[i] for i in self._positions[item]]
        return self._artifacts[self._positions[item]]


@dataclass
class ArtifactPage:
    page: Page
    rows: list[ArtifactRow]
    total: int
    blueprint_ids: tuple[str, ...]
    statuses: tuple[str, ...]
    index_ready: bool  # modification dates are known (the mirror has read the artifacts)
    matches: Sequence[ArtifactSummary]  # the whole filtered order, read a window at a time (the API pages over it)
    age: mirror.MirrorAge | None = None


def pick_artifacts(
    listing: ArtifactList,
    modified: dict[str, dt.datetime | None],
    *,
    blueprint: str = "",
    status: str = "",
    q: str = "",
    sort: str = "name",
    descending: bool = False,
) -> list[int]:
    """Positions in `listing` of the artifacts matching the filters (`q`: a case-insensitive substring of the name),
    sorted by `sort` (`modified`: artifact id -> modification date, else the creation date). Ties are broken by id.
    The catalog's list before the mirror is filled; `govern_ui.mirror.listing` orders the mirror the same way."""
    needle = q.casefold().strip()
    arts, names = listing.artifacts, listing.names
    picked = [
        i
        for i, art in enumerate(arts)
        if (not blueprint or art.blueprint_id == blueprint)
        and (not status or art.status == status)
        and (not needle or needle in names[i])
    ]
    if sort == "status":
        key = lambda i: (arts[i].status, names[i], arts[i].id)  # noqa: E731
    elif sort == "created":
        key = lambda i: (arts[i].created_on or NEVER, arts[i].id)  # noqa: E731
    elif sort == "modified":
        key = lambda i: (modified.get(arts[i].id) or arts[i].created_on or NEVER, arts[i].id)  # noqa: E731
    else:
        key = lambda i: (names[i], arts[i].id)  # noqa: E731
    picked.sort(key=key, reverse=descending)
    return picked


def artifact_page(
    *, blueprint: str = "", status: str = "", q: str = "", sort: str = "name", descending: bool = False, page: int = 1
) -> ArtifactPage:
    """One page of the artifact list, filtered, searched and sorted: by the database over the Govern mirror, with the
    mirror's age; before the mirror was ever filled (a new installation), in Python over the catalog's briefly cached
    list. Raises `UpstreamError` only then, when Govern cannot give it."""
    filters = {"blueprint": blueprint, "status": status, "q": q, "sort": sort, "descending": descending}
    if mirror.filled():
        query = listing.matching(**filters)
        ordered = listing.Rows(query, lambda row: ArtifactRow(listing.summary(row), listing.modified_on(row), row[4]))
        current = Paginator(ordered, settings.GOVERN_ARTIFACTS_PER_PAGE).get_page(page)
        blueprint_ids, statuses = mirror.choices()
        return ArtifactPage(current, list(current.object_list), ordered.count(), blueprint_ids, statuses, True,
                            ordered.reshaped(listing.summary), mirror.age())
    catalog = Catalog().artifact_list()
    picked = pick_artifacts(catalog, {}, **filters)
    current = Paginator(picked, settings.GOVERN_ARTIFACTS_PER_PAGE).get_page(page)
    rows = [ArtifactRow(catalog.artifacts[i], None, catalog.artifacts[i].created_on) for i in current.object_list]
    return ArtifactPage(current, rows, len(picked), catalog.blueprint_ids, catalog.statuses, False,
                        Matches(catalog, picked))


# -- custom fields -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedField:
    """A custom field value shaped for its blueprint type (the template picks the widget by `kind`)."""

    id: str
    name: str
    type: str
    kind: str  # text, long_text, number, boolean, date, chips, people, missing, other
    value: Any = None
    items: tuple[str, ...] = ()


def render_field(
    setting: FieldSetting | None, field_id: str, value: Any, users: dict[str, GovernUser]
) -> RenderedField:
    """A custom field value shaped for display by its blueprint field type."""
    name = setting.name if setting else field_id
    ftype = setting.type if setting else ""
    base = {"id": field_id, "name": name, "type": ftype}
    if value is None or value == "" or value == []:
        return RenderedField(kind="missing", **base)
    if ftype == "TEXT":
        return RenderedField(kind="text", value=str(value), **base)
    if ftype == "LONG_TEXT":
        return RenderedField(kind="long_text", value=str(value), **base)
    if ftype == "NUMBER" and isinstance(value, int | float) and not isinstance(value, bool):
        return RenderedField(kind="number", value=value, **base)
    if ftype == "BOOLEAN" and isinstance(value, bool):
        return RenderedField(kind="boolean", value=value, **base)
    if ftype == "DATE" and isinstance(value, str):
        try:
            return RenderedField(kind="date", value=dt.date.fromisoformat(value), **base)
        except ValueError:
            return RenderedField(kind="text", value=value, **base)
    if ftype in ("SELECT", "MULTISELECT"):
        items = value if isinstance(value, list) else [value]
        return RenderedField(kind="chips", items=tuple(str(i) for i in items), **base)
    if ftype in ("USER", "USERS"):
        logins = value if isinstance(value, list) else [value]
        names = tuple(display_name(str(login), users) for login in logins)
        return RenderedField(kind="people", items=names, **base)
    # A value of an unexpected shape (or a field the blueprint no longer defines): shown as plain escaped text.
    return RenderedField(kind="other", value=str(value), **base)


def render_fields(
    settings_list: Sequence[FieldSetting], values: dict[str, Any], users: dict[str, GovernUser]
) -> list[RenderedField]:
    """Every field the blueprint version defines, in its order, then any value it does not define (as text)."""
    known = {s.id for s in settings_list}
    fields = [render_field(s, s.id, values.get(s.id), users) for s in settings_list]
    fields += [render_field(None, name, value, users) for name, value in values.items() if name not in known]
    return fields


# -- an artifact's detail ------------------------------------------------------------------------------------------


@dataclass
class ArtifactDetail:
    artifact: Artifact
    fields: list[RenderedField]
    panels: list[StepPanel]
    created_by_name: str
    modified_by_name: str
    blueprint_name: str = ""
    notes: list[str] = field(default_factory=list)


def artifact_detail(artifact_id: str, user) -> ArtifactDetail:
    """The artifact, its custom fields shaped by blueprint type, and one panel per sign-off step with what `user`
    may do. Raises `UpstreamNotFound` for an unknown id, `UpstreamError` when Govern fails."""
    client = get_client()
    # Two round trips to Govern instead of four or five: the artifact with its sign-offs (and the users, on a cold
    # catalog), then its blueprint's version and name (which the artifact names).
    artifact, sign_offs, users = gather(
        lambda: client.get_artifact(artifact_id), lambda: client.list_sign_offs(artifact_id), users_or_empty)
    notes = []

    def version() -> tuple[tuple[FieldSetting, ...], tuple[SignOffStep, ...]]:
        try:
            found = client.get_blueprint_version(artifact.blueprint_id, artifact.blueprint_version_id)
        except UpstreamNotFound:
            notes.append("The artifact's blueprint version is missing in Govern; fields are shown as plain text.")
            return (), ()
        return found.field_settings, found.sign_off_steps

    def blueprint_name() -> str:
        try:
            return client.get_blueprint(artifact.blueprint_id).name
        except UpstreamNotFound:
            return ""

    (settings_list, steps), name = gather(version, blueprint_name)
    facts = facts_of(artifact, users, portal_actions(artifact_id))
    viewer = viewer_of(user)
    steps_by_id = {s.id: s for s in steps}
    panels = [step_panel(viewer, s, steps_by_id.get(s.step_id), facts) for s in sign_offs]
    return ArtifactDetail(
        artifact=artifact,
        fields=render_fields(settings_list, artifact.custom_fields or {}, users),
        panels=panels,
        created_by_name=display_name(artifact.created_by, users),
        modified_by_name=display_name(artifact.last_modified_by, users),
        blueprint_name=name,
        notes=notes,
    )


# -- roles and users -----------------------------------------------------------------------------------------------


def list_roles() -> list[Role]:
    """Govern's roles (from the catalog). Raises `UpstreamError`."""
    return Catalog().roles()


def list_users() -> list[GovernUser]:
    """Govern's users (from the catalog), by display name. Raises `UpstreamError`."""
    return sorted(Catalog().users().values(), key=lambda u: (u.display_name or u.login).casefold())
