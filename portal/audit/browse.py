"""Reading the history store: filters, keyset pages (newest first, never OFFSET) and one event's neighbours."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone

from portal.audit.models import AuditEvent

ACTIONS_KEY = "audit:actions"


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filtered(filters: dict) -> QuerySet[AuditEvent]:
    """Events matching `filters` (the cleaned fields of `AuditFilterForm`), unordered. Dates are whole days in the
    portal's time zone, both ends included."""
    qs = AuditEvent.objects.all()
    if actor := filters.get("actor"):
        qs = qs.filter(Q(actor_username=actor) | Q(govern_login=actor))
    if action := filters.get("action"):
        family = action.rstrip(".*")
        qs = qs.filter(Q(action=action) | Q(action__startswith=family + "."))
    if source := filters.get("source"):
        qs = qs.filter(source=source)
    if artifact := filters.get("artifact"):
        qs = qs.filter(artifact_id=artifact)
    if blueprint := filters.get("blueprint"):
        qs = qs.filter(blueprint_id=blueprint)
    if deployment := filters.get("deployment"):
        qs = qs.filter(deployment_id=deployment)
    if request_id := filters.get("request"):
        qs = qs.filter(request_id=request_id)
    if since := filters.get("since"):
        qs = qs.filter(at__gte=_start_of(since))
    if until := filters.get("until"):
        qs = qs.filter(at__lt=_start_of(until + dt.timedelta(days=1)))
    if text := filters.get("q"):
        qs = qs.filter(search__contains=text.lower())
    return qs


@dataclass
class Page:
    events: list[AuditEvent]
    newer: int | None = None  # cursor for the newer page (?after=), None on the newest page
    older: int | None = None  # cursor for the older page (?before=), None on the oldest page
    filters: dict = field(default_factory=dict)

    @property
    def first_page(self) -> bool:
        return self.newer is None

    def query(self, **cursor) -> str:
        """The query string of this view with another cursor (or none)."""
        return urlencode({**{k: str(v) for k, v in self.filters.items()}, **cursor})

    @property
    def newer_query(self) -> str:
        return self.query(after=self.newer) if self.newer else ""

    @property
    def older_query(self) -> str:
        return self.query(before=self.older) if self.older else ""


def page(filters: dict, *, before: int | None = None, after: int | None = None, size: int = 50) -> Page:
    """One page of events matching `filters`, newest first: those older than event `before`, or newer than event
    `after`, or the newest. Each page is one indexed range scan ("id < cursor ORDER BY id DESC LIMIT n+1")."""
    qs = filtered(filters).select_related("actor")
    if after:
        rows = list(qs.filter(id__gt=after).order_by("id")[: size + 1])
        has_newer = len(rows) > size
        rows = rows[:size][::-1]
        has_older = bool(rows) and qs.filter(id__lt=rows[-1].pk).exists()
    else:
        scoped = qs.filter(id__lt=before) if before else qs
        rows = list(scoped.order_by("-id")[: size + 1])
        has_older = len(rows) > size
        rows = rows[:size]
        has_newer = bool(before) and bool(rows) and qs.filter(id__gt=rows[0].pk).exists()
    return Page(
        events=rows,
        newer=rows[0].pk if rows and has_newer else None,
        older=rows[-1].pk if rows and has_older else None,
        filters=filters,
    )


def event(event_id: int) -> AuditEvent | None:
    return AuditEvent.objects.filter(pk=event_id).first()


def related(event: AuditEvent) -> dict:
    """What an event's page links to: the portal event an observation echoes, and the observations of this one."""
    return {
        "portal_event": AuditEvent.objects.filter(pk=event.portal_event_id).first() if event.portal_event_id else None,
        "observations": list(AuditEvent.objects.filter(portal_event_id=event.pk).order_by("id")[:20]),
    }


def known_actions() -> list[str]:
    """The actions present in the store, for the filter's suggestions (one index scan, cached for a minute)."""
    return cache.get_or_set(
        ACTIONS_KEY,
        lambda: list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()[:200]),
        60,
    ) or []
