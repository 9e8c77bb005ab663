"""Use cases of the reviewers' workspace: browsing Govern, the queue, and confirmed review actions."""

from __future__ import annotations

import datetime as dt
import logging
import time
import zlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.utils import timezone

from govern_ui import catalog
from govern_ui.client import (
    Artifact,
    ArtifactSummary,
    Blueprint,
    BlueprintVersion,
    BlueprintVersionSummary,
    FieldSetting,
    GovernClient,
    GovernUser,
    SignOff,
    SignOffStep,
    get_client,
)
from govern_ui.index import ArtifactEntry, IndexedStep, IndexSnapshot, SignOffIndex, build_entry, reviewers_of
from govern_ui.models import ReviewAction
from portal.audit import service as audit
from portal.lib.upstream import UpstreamError, UpstreamNotFound
from portal.models import govern_login_of
from portal.roles import ADMIN, AUDITOR, REVIEWER, has_role

log = logging.getLogger(__name__)

COMMENT_MAX_CHARS = 5000
OPEN_ACTION_STATES = (ReviewAction.State.PENDING, ReviewAction.State.DELIVERED)


class ActionNotAllowedError(Exception):
    """The portal refuses an action before calling Govern. `reason` is shown to the user."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def from_ms(value: int | None) -> dt.datetime | None:
    if value is None:
        return None
    return dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC)


# -- blueprints ----------------------------------------------------------------------------------------------------


def list_blueprints():
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


# -- artifacts -----------------------------------------------------------------------------------------------------

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


@dataclass
class ArtifactPage:
    page: Page
    rows: list[ArtifactRow]
    total: int
    blueprint_ids: tuple[str, ...]
    statuses: tuple[str, ...]
    index_ready: bool


def artifact_page(
    *, blueprint: str = "", status: str = "", q: str = "", sort: str = "name", descending: bool = False, page: int = 1
) -> ArtifactPage:
    """One page of the cached artifact list, filtered, searched and sorted in Python. Raises `UpstreamError` when the
    list is not cached and Govern cannot give it."""
    listing = catalog.artifact_list()
    snapshot = SignOffIndex().load()
    needle = q.casefold().strip()
    picked = [
        i
        for i, art in enumerate(listing.artifacts)
        if (not blueprint or art.blueprint_id == blueprint)
        and (not status or art.status == status)
        and (not needle or needle in listing.names[i])
    ]
    arts = listing.artifacts
    if sort == "status":
        key = lambda i: (arts[i].status, listing.names[i])  # noqa: E731
    elif sort == "created":
        key = lambda i: (arts[i].created_on or 0, arts[i].id)  # noqa: E731
    elif sort == "modified":
        modified = {k: e.modified_on for k, e in snapshot.artifacts.items()} if snapshot else {}
        key = lambda i: (modified.get(arts[i].id) or arts[i].created_on or 0, arts[i].id)  # noqa: E731
    else:
        key = lambda i: (listing.names[i], arts[i].id)  # noqa: E731
    picked.sort(key=key, reverse=descending)
    paginator = Paginator(picked, settings.GOVERN_ARTIFACTS_PER_PAGE)
    current = paginator.get_page(page)
    rows = []
    for i in current.object_list:
        art = arts[i]
        entry = snapshot.artifacts.get(art.id) if snapshot else None
        rows.append(ArtifactRow(art, from_ms(entry.modified_on) if entry else None, from_ms(art.created_on)))
    return ArtifactPage(current, rows, len(picked), listing.blueprint_ids, listing.statuses, snapshot is not None)


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
        names = tuple(_display_name(str(login), users) for login in logins)
        return RenderedField(kind="people", items=names, **base)
    # A value of an unexpected shape (or a field the blueprint no longer defines): shown as plain escaped text.
    return RenderedField(kind="other", value=str(value), **base)


def _display_name(login: str, users: dict[str, GovernUser]) -> str:
    user = users.get(login)
    return user.display_name or login if user else login


@dataclass(frozen=True)
class StepAccess:
    can_review: bool
    can_delegate: bool
    reason: str = ""


@dataclass(frozen=True)
class TimelineEntry:
    reviewer: str
    display_name: str
    outcome: str
    comment: str
    when: dt.datetime | None


@dataclass(frozen=True)
class StepPanel:
    sign_off: SignOff
    step: SignOffStep | None
    timeline: tuple[TimelineEntry, ...]
    delegated_to_name: str
    access: StepAccess
    my_actions: tuple[ReviewAction, ...]


@dataclass
class ArtifactDetail:
    artifact: Artifact
    fields: list[RenderedField]
    panels: list[StepPanel]
    created_by_name: str
    modified_by_name: str
    blueprint_name: str = ""
    notes: list[str] = field(default_factory=list)


def step_access(
    user, login: str, sign_off: SignOff, own_actions: Iterable[ReviewAction], reviewers: frozenset[str] | None = None
) -> StepAccess:
    """What `user` (acting as Govern `login`) may do on a step, decided from Govern's reviews (or `reviewers`, the
    logins the sign-off index knows) and the portal's own pending and delivered actions. The reason explains a
    refusal in words a reviewer understands."""
    if not has_role(user, REVIEWER):
        return StepAccess(False, False, "Only reviewers can act on sign-offs.")
    if sign_off.is_decided:
        return StepAccess(False, False, f"This step is already {sign_off.status.lower()}.")
    if sign_off.delegated_to and sign_off.delegated_to != login:
        return StepAccess(False, False, f"This step is delegated to {sign_off.delegated_to}; only they may review it.")
    mine = list(own_actions)
    pending = [a for a in mine if a.state == ReviewAction.State.PENDING]
    if pending:
        return StepAccess(False, False, f"Your {pending[0].get_kind_display().lower()} of this step is being sent.")
    known = reviewers if reviewers is not None else reviewers_of(sign_off)
    reviewed = login in known or any(
        a.kind != ReviewAction.Kind.DELEGATE and a.state == ReviewAction.State.DELIVERED for a in mine
    )
    if reviewed:
        return StepAccess(False, True, "You have already reviewed this step.")
    return StepAccess(True, True)


def _own_actions(login: str, artifact_id: str, step_ids: Iterable[str] | None = None) -> dict[str, list[ReviewAction]]:
    qs = ReviewAction.objects.filter(govern_login=login, artifact_id=artifact_id, state__in=OPEN_ACTION_STATES)
    if step_ids is not None:
        qs = qs.filter(step_id__in=list(step_ids))
    out: dict[str, list[ReviewAction]] = {}
    for action in qs:
        out.setdefault(action.step_id, []).append(action)
    return out


def _users_or_empty() -> dict[str, GovernUser]:
    try:
        return catalog.users()
    except UpstreamError as exc:
        # Display names are a nicety: without /users the page shows logins.
        log.warning("Govern users unavailable, showing logins: %s", exc)
        return {}


def _panel(user, login, sign_off, steps_by_id, users, own) -> StepPanel:
    timeline = tuple(
        TimelineEntry(r.reviewer, _display_name(r.reviewer, users), r.outcome, r.comment, from_ms(r.reviewed_on))
        for r in sorted(sign_off.reviews, key=lambda r: r.reviewed_on or 0)
    )
    mine = own.get(sign_off.step_id, [])
    return StepPanel(
        sign_off=sign_off,
        step=steps_by_id.get(sign_off.step_id),
        timeline=timeline,
        delegated_to_name=_display_name(sign_off.delegated_to, users) if sign_off.delegated_to else "",
        access=step_access(user, login, sign_off, mine),
        my_actions=tuple(a for a in mine if a.state == ReviewAction.State.PENDING),
    )


def artifact_detail(artifact_id: str, user) -> ArtifactDetail:
    """The artifact, its custom fields shaped by blueprint type, and one panel per sign-off step with what `user`
    may do. Raises `UpstreamNotFound` for an unknown id, `UpstreamError` when Govern fails."""
    client = get_client()
    artifact = client.get_artifact(artifact_id)
    sign_offs = client.list_sign_offs(artifact_id)
    notes = []
    settings_list: tuple[FieldSetting, ...] = ()
    steps: tuple[SignOffStep, ...] = ()
    blueprint_name = ""
    try:
        version = client.get_blueprint_version(artifact.blueprint_id, artifact.blueprint_version_id)
        settings_list, steps = version.field_settings, version.sign_off_steps
    except UpstreamNotFound:
        notes.append("The artifact's blueprint version is missing in Govern; fields are shown as plain text.")
    try:
        blueprint_name = client.get_blueprint(artifact.blueprint_id).name
    except UpstreamNotFound:
        blueprint_name = ""
    users = _users_or_empty()
    fields = []
    known = {s.id: s for s in settings_list}
    values = artifact.custom_fields or {}
    for setting in settings_list:
        fields.append(render_field(setting, setting.id, values.get(setting.id), users))
    for field_id, value in values.items():
        if field_id not in known:
            fields.append(render_field(None, field_id, value, users))
    login = govern_login_of(user)
    own = _own_actions(login, artifact_id)
    steps_by_id = {s.id: s for s in steps}
    panels = [_panel(user, login, s, steps_by_id, users, own) for s in sign_offs]
    _patch_index(artifact, sign_offs)
    return ArtifactDetail(
        artifact=artifact,
        fields=fields,
        panels=panels,
        created_by_name=_display_name(artifact.created_by, users),
        modified_by_name=_display_name(artifact.last_modified_by, users),
        blueprint_name=blueprint_name,
        notes=notes,
    )


@dataclass(frozen=True)
class StepContext:
    artifact: Artifact
    panel: StepPanel
    # Govern could not be reached: the checks used the sign-off index (or nothing, when it is cold); Govern itself
    # enforces the decided and delegated rules when the action is delivered.
    degraded: str = ""


def step_context(artifact_id: str, step_id: str, user, *, allow_cached: bool = False) -> StepContext:
    """One step of one artifact, fresh from Govern, with what `user` may do. Raises `UpstreamNotFound`; raises other
    `UpstreamError`s unless `allow_cached`, where a transient outage falls back to the sign-off index so an action can
    still be recorded as pending."""
    client = get_client()
    login = govern_login_of(user)
    own = _own_actions(login, artifact_id, [step_id])
    try:
        artifact = client.get_artifact(artifact_id)
        sign_off = client.get_sign_off(artifact_id, step_id)
    except UpstreamError as exc:
        if not (allow_cached and exc.retryable):
            raise
        return _cached_step_context(artifact_id, step_id, user, login, own, exc)
    steps_by_id: dict[str, SignOffStep] = {}
    try:
        version = client.get_blueprint_version(artifact.blueprint_id, artifact.blueprint_version_id)
        steps_by_id = {s.id: s for s in version.sign_off_steps}
    except UpstreamNotFound:
        steps_by_id = {}
    return StepContext(artifact, _panel(user, login, sign_off, steps_by_id, _users_or_empty(), own))


def _cached_step_context(artifact_id, step_id, user, login, own, exc: UpstreamError) -> StepContext:
    snapshot = SignOffIndex().load()
    entry = snapshot.artifacts.get(artifact_id) if snapshot else None
    note = f"{exc.upstream or 'Govern'} {exc.message}: the action will be recorded and sent when it is back."
    if entry is None:
        artifact = Artifact(artifact_id, "", "", "", None, "")
        sign_off = SignOff(step_id, "", "UNKNOWN")
        reviewers = frozenset()
    else:
        artifact = Artifact(artifact_id, entry.name, entry.blueprint_id, "", None, "")
        step = next((s for s in entry.steps if s.step_id == step_id), None)
        if step is None:
            # The index holds only open steps: this one is decided (or unknown) as far as we last knew.
            sign_off = SignOff(step_id, "", "APPROVED/REJECTED")
            access = StepAccess(False, False, "As far as the portal last heard from Govern, this step is decided.")
            panel = StepPanel(sign_off, None, (), "", access, ())
            return StepContext(artifact, panel, degraded=note)
        sign_off = SignOff(step_id, step.step_name, step.status, delegated_to=step.delegated_to)
        reviewers = step.reviewers
    access = step_access(user, login, sign_off, own.get(step_id, []), reviewers=reviewers)
    panel = StepPanel(sign_off, None, (), sign_off.delegated_to, access, tuple(own.get(step_id, [])))
    return StepContext(artifact, panel, degraded=note)


# -- the sign-off index and the queue ------------------------------------------------------------------------------


def _artifact_entry(artifact: Artifact, sign_offs: list[SignOff]) -> ArtifactEntry:
    """The index entry of one artifact and its sign-offs."""
    return build_entry(
        artifact.id,
        artifact.name,
        artifact.blueprint_id,
        artifact.created_on,
        artifact.last_modified_on,
        artifact.last_modified_by,
        sign_offs,
        detail_at=time.time(),
    )


def _detail_is_fresh(artifact_id: str, entry: ArtifactEntry | None, now: float) -> bool:
    """Whether `entry`'s modified date/author may be reused instead of reading the artifact again.

    Only the "modified" column needs GET /artifacts/{id}; the list gives everything else. Each artifact's reuse
    window is spread between half and all of GOVERN_INDEX_DETAIL_SECONDS, so re-reads are spread over rebuilds
    instead of all falling due in the same one.
    """
    if entry is None or entry.detail_at is None:
        return False
    spread = 0.5 + (zlib.crc32(artifact_id.encode()) % 1000) / 2000
    return now - entry.detail_at < settings.GOVERN_INDEX_DETAIL_SECONDS * spread


def _entry_for(client: GovernClient, artifact_id: str) -> ArtifactEntry:
    """Read one artifact and its sign-offs from Govern into an index entry. Raises `UpstreamError`."""
    return _artifact_entry(client.get_artifact(artifact_id), client.list_sign_offs(artifact_id))


def refresh_index() -> IndexSnapshot | None:
    """Rebuild the whole sign-off index with bounded concurrency. Returns the new snapshot, or None when another
    rebuild holds the lock. Raises `UpstreamError` when Govern cannot list artifacts (the old index stays)."""
    index = SignOffIndex()
    token = index.acquire_lock(ttl=max(120, settings.GOVERN_INDEX_REFRESH_SECONDS * 2))
    if token is None:
        return None
    try:
        client = get_client()
        summaries = client.list_artifacts()
        previous = index.load()

        now = time.time()

        def cheap_entry(summary: ArtifactSummary, before: ArtifactEntry) -> ArtifactEntry | None:
            """One call instead of two: the sign-offs, with the previous build's modified date. None when the open
            steps changed, since the artifact was then most likely modified too."""
            sign_offs = client.list_sign_offs(summary.id)
            entry = build_entry(summary.id, summary.name, summary.blueprint_id, summary.created_on,
                                before.modified_on, before.modified_by, sign_offs, detail_at=before.detail_at)
            return entry if entry.steps == before.steps else None

        def one(summary: ArtifactSummary) -> tuple[str, ArtifactEntry | None]:
            before = previous.artifacts.get(summary.id) if previous else None
            try:
                if before is not None and _detail_is_fresh(summary.id, before, now):
                    entry = cheap_entry(summary, before)
                    if entry is not None:
                        return summary.id, entry
                return summary.id, _entry_for(client, summary.id)
            except UpstreamNotFound:
                return summary.id, None  # deleted while we were walking the list
            except UpstreamError as exc:
                # One artifact failing must not empty the queue: keep what we knew of it.
                log.warning("sign-off index: %s kept from the previous build: %s", summary.id, exc)
                return summary.id, previous.artifacts.get(summary.id) if previous else None

        with ThreadPoolExecutor(max_workers=max(1, settings.GOVERN_INDEX_CONCURRENCY)) as pool:
            entries = {art_id: entry for art_id, entry in pool.map(one, summaries) if entry is not None}
        snapshot = index.store(entries)
        index.refresh_done()
        return snapshot
    finally:
        index.release_lock(token)


def refresh_index_entry(artifact_id: str) -> None:
    """Re-read one artifact into the index (after an action is delivered). Raises `UpstreamError`."""
    try:
        entry = _entry_for(get_client(), artifact_id)
    except UpstreamNotFound:
        entry = None
    SignOffIndex().update_artifact(artifact_id, entry)


def _patch_index(artifact: Artifact, sign_offs: list[SignOff]) -> None:
    SignOffIndex().update_artifact(artifact.id, _artifact_entry(artifact, sign_offs))


def trigger_index_refresh() -> bool:
    """Ask a worker for one rebuild (at most once a minute however many pages ask). True when a task was sent."""
    from govern_ui.tasks import refresh_signoff_index

    if not SignOffIndex().request_refresh():
        return False
    try:
        refresh_signoff_index.delay()
    except Exception:  # noqa: BLE001 - kombu raises several unrelated types when the broker is down
        log.exception("could not enqueue the sign-off index refresh; beat will rebuild it")
        return False
    return True


@dataclass(frozen=True)
class QueueItem:
    step: IndexedStep
    delegated_to_me: bool
    waiting_since: dt.datetime | None


@dataclass
class Queue:
    items: list[QueueItem]
    loading: bool
    built_at: dt.datetime | None


def _queue_steps(snapshot: IndexSnapshot, login: str) -> list[IndexedStep]:
    busy = set(
        ReviewAction.objects.filter(govern_login=login)
        .filter(state=ReviewAction.State.PENDING)
        .values_list("artifact_id", "step_id")
    ) | set(
        ReviewAction.objects.filter(govern_login=login, state=ReviewAction.State.DELIVERED)
        .exclude(kind=ReviewAction.Kind.DELEGATE)
        .values_list("artifact_id", "step_id")
    )
    out = []
    for step in snapshot.open_steps():
        if step.delegated_to and step.delegated_to != login:
            continue
        if login in step.reviewers or (step.artifact_id, step.step_id) in busy:
            continue
        out.append(step)
    return out


def queue_for(user) -> Queue:
    """The open steps `user` may review or that are delegated to them, oldest first. On a cold index: `loading`, and
    one rebuild is requested. Never calls Govern."""
    snapshot = SignOffIndex().load()
    if snapshot is None:
        trigger_index_refresh()
        return Queue([], True, None)
    login = govern_login_of(user)
    steps = _queue_steps(snapshot, login)
    steps.sort(key=lambda s: (s.waiting_since or 0, s.artifact_id, s.step_id))
    items = [QueueItem(s, s.delegated_to == login, from_ms(s.waiting_since)) for s in steps]
    return Queue(items, False, dt.datetime.fromtimestamp(snapshot.built_at, tz=dt.UTC))


def queue_count(user) -> int | None:
    """How many steps wait for `user` (None while the index is cold). Never calls Govern."""
    if not has_role(user, REVIEWER):
        return None
    snapshot = SignOffIndex().load()
    if snapshot is None:
        trigger_index_refresh()
        return None
    return len(_queue_steps(snapshot, govern_login_of(user)))


# -- review actions ------------------------------------------------------------------------------------------------


def submit_action(
    *,
    user,
    kind: str,
    artifact_id: str,
    step_id: str,
    idempotency_key: str,
    comment: str = "",
    delegate_to: str = "",
) -> tuple[ReviewAction, bool]:
    """Record a confirmed action as pending, then (after commit) try to deliver it once.

    Returns (action, created). The same idempotency key again returns the first action unchanged (a double submit or
    a browser retry sends nothing). Raises `ActionNotAllowedError` when the portal's rules forbid it (checked against
    the step as Govern has it now), `UpstreamNotFound` for unknown ids, `UpstreamError` when Govern cannot be read.
    """
    existing = ReviewAction.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.actor_id != user.pk:
            raise ActionNotAllowedError("This form was already used. Reload the page and try again.")
        return existing, False
    if kind not in ReviewAction.Kind.values:
        raise ActionNotAllowedError("Unknown action.")
    if len(comment) > COMMENT_MAX_CHARS:
        raise ActionNotAllowedError(f"The comment is too long: at most {COMMENT_MAX_CHARS:,} characters.")
    if kind == ReviewAction.Kind.REJECT and not comment.strip():
        raise ActionNotAllowedError("A rejection needs a comment.")
    login = govern_login_of(user)
    context = step_context(artifact_id, step_id, user, allow_cached=True)
    access = context.panel.access
    allowed = access.can_delegate if kind == ReviewAction.Kind.DELEGATE else access.can_review
    if not allowed:
        raise ActionNotAllowedError(access.reason or "You cannot act on this step.")
    if kind == ReviewAction.Kind.DELEGATE:
        if not delegate_to:
            raise ActionNotAllowedError("Choose the Govern user to delegate to.")
        if delegate_to == login:
            raise ActionNotAllowedError("You cannot delegate a step to yourself.")
        if delegate_to not in _users_or_empty():
            raise ActionNotAllowedError(f"{delegate_to!r} is not a Govern user.")
    else:
        delegate_to = ""
    with transaction.atomic():
        action, created = ReviewAction.objects.get_or_create(
            idempotency_key=idempotency_key,
            defaults={
                "kind": kind,
                "artifact_id": artifact_id,
                "step_id": step_id,
                "artifact_name": context.artifact.name[:500],
                "step_name": context.panel.sign_off.step_name[:500],
                "actor": user,
                "govern_login": login,
                "comment": comment,
                "delegate_to": delegate_to,
            },
        )
        if created:
            audit.record(
                actor=user,
                action=f"signoff.{kind}",
                target_type="signoff",
                target_id=action.target,
                outcome="pending",
                input={
                    "kind": kind,
                    "govern_login": login,
                    "comment": comment,
                    "delegate_to": delegate_to,
                    "idempotency_key": idempotency_key,
                    "action_id": action.pk,
                },
            )
            transaction.on_commit(partial(_deliver_now, action.pk), robust=True)
    if not created and action.actor_id != user.pk:
        raise ActionNotAllowedError("This form was already used. Reload the page and try again.")
    return action, created


def _deliver_now(action_id: int) -> None:
    from govern_ui.delivery import deliver_action

    deliver_action(action_id)


def actions_visible_to(user, state: str = ""):
    """Review actions `user` may see: their own; admins and auditors see everyone's. Newest first."""
    qs = ReviewAction.objects.select_related("actor")
    if not has_role(user, ADMIN, AUDITOR):
        qs = qs.filter(actor=user)
    if state:
        qs = qs.filter(state=state)
    return qs


def action_for(user, action_id: int) -> ReviewAction | None:
    return actions_visible_to(user).filter(pk=action_id).first()


def action_age(action: ReviewAction) -> dt.timedelta:
    return timezone.now() - action.created_at


# -- roles and users -----------------------------------------------------------------------------------------------


def list_roles():
    return catalog.roles()


def list_users() -> list[GovernUser]:
    return sorted(catalog.users().values(), key=lambda u: (u.display_name or u.login).casefold())
