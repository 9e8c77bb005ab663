"""Writing the history store. Every consequential action calls `record` once per outcome; the Govern mirror calls
`record` (or `record_many`) with `source="observed"` and a natural key.

Each append links to the chain's head under a lock held until the caller's transaction ends, so concurrent writers
(web processes, workers) always form one chain in id order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from portal.audit import chain
from portal.audit.context import current_client_ip, current_request_id, normalise_ip
from portal.audit.models import AuditEvent, ChainHead
from portal.models import govern_login_of

DETAIL_CHARS = 2000
# Seconds an append waits for the chain head before failing (PostgreSQL); an action whose audit cannot be written
# fails instead of waiting forever behind a stuck transaction.
LOCK_TIMEOUT_MS = 10_000
# Target types whose id names an artifact ("art-1") or one of its steps ("art-1/step-2").
ARTIFACT_TARGETS = {"artifact", "signoff", "step"}
DEPLOYMENT_TARGETS = {"deployment"}


def _limit(value: Any, size: int) -> str:
    return chain.clean_text(str(value or ""))[:size]


def build_event(
    *,
    actor,
    action: str,
    target_type: str,
    target_id: str,
    outcome: str,
    input: dict[str, Any] | None = None,  # noqa: A002 - the audit field's name
    upstream_status: int | None = None,
    detail: str = "",
    source: str = AuditEvent.Source.PORTAL,
    actor_name: str = "",
    govern_login: str = "",
    artifact_id: str | None = None,
    blueprint_id: str = "",
    deployment_id: str | None = None,
    natural_key: str | None = None,
    portal_event: AuditEvent | int | None = None,
    at=None,
    request_id: str | None = None,
    client_ip: str | None = None,
) -> AuditEvent:
    """An unsaved event with every field normalised as the database will give it back (see `record`)."""
    if source not in AuditEvent.Source.values:
        raise ValueError(f"unknown audit source {source!r}")
    user = actor if actor is not None and getattr(actor, "pk", None) else None
    if actor_name:
        username = actor_name
    elif actor is not None:
        username = actor.get_username()
    else:
        username = "system"
    if user is not None and not govern_login:
        govern_login = govern_login_of(user)
    target_id = _limit(target_id, 512)
    if artifact_id is None:
        artifact_id = target_id.split("/", 1)[0] if target_type in ARTIFACT_TARGETS else ""
    if deployment_id is None:
        deployment_id = target_id if target_type in DEPLOYMENT_TARGETS else ""
    portal_source = source == AuditEvent.Source.PORTAL
    if request_id is None:
        request_id = current_request_id() if portal_source else ""
    if client_ip is None:
        client_ip = current_client_ip() if portal_source else ""
    at = at or timezone.now()
    if timezone.is_naive(at):  # hashed as UTC, so stored as UTC whatever the portal's time zone
        at = timezone.make_aware(at, dt.UTC)
    event = AuditEvent(
        at=at,
        source=source,
        actor_id=user.pk if user is not None else None,
        actor_username=_limit(username, 150),
        govern_login=_limit(govern_login, 150),
        action=_limit(action, 64),
        target_type=_limit(target_type, 64),
        target_id=target_id,
        artifact_id=_limit(artifact_id, 200),
        blueprint_id=_limit(blueprint_id, 200),
        deployment_id=_limit(deployment_id, 200),
        input=chain.normalise_json(input or {}),
        outcome=_limit(outcome, 32),
        upstream_status=upstream_status if isinstance(upstream_status, int) and 0 <= upstream_status < 32768 else None,
        detail=_limit(detail, DETAIL_CHARS),
        request_id=_limit(request_id, 64),
        client_ip=normalise_ip(client_ip or ""),
        natural_key=_limit(natural_key, 255) or None,
        portal_event_id=portal_event.pk if isinstance(portal_event, AuditEvent) else portal_event,
    )
    event.search = chain.search_text(event)
    event._chain_append = True
    return event


def record(*, actor, action: str, target_type: str, target_id: str, outcome: str, **fields: Any) -> AuditEvent:
    """Append one event and return it. `actor` may be None for system actions (workers, beat).

    Optional fields: `input`, `upstream_status`, `detail` (the upstream's message), `source` ("portal" or
    "observed"), `actor_name` (who acted when it is not a portal user: a Govern login), `govern_login`,
    `artifact_id`, `blueprint_id`, `deployment_id` (derived from the target when not given), `natural_key`,
    `portal_event`, `at`, `request_id` and `client_ip` (taken from the current request for portal events).

    With a `natural_key` already stored, nothing is added and the stored event is returned (`record_once` says which).
    Raises `AuditImmutableError` never; raises the database's error when the event cannot be written, so that the
    action it records fails with it.
    """
    return record_once(actor=actor, action=action, target_type=target_type, target_id=target_id, outcome=outcome,
                       **fields)[0]


def record_once(**kwargs: Any) -> tuple[AuditEvent, bool]:
    """As `record`; returns (event, created): created is False when the natural key was already stored."""
    event = build_event(**kwargs)
    with transaction.atomic():
        head = _lock_head()
        if event.natural_key:
            existing = AuditEvent.objects.filter(natural_key=event.natural_key).first()
            if existing is not None:
                return existing, False
        if event.artifact_id and not event.blueprint_id:
            # Callers that do not know the blueprint (a delivery retry, a worker) take the one an earlier event on the
            # artifact named, so filtering by blueprint finds every event of its artifacts.
            event.blueprint_id = (
                AuditEvent.objects.filter(artifact_id=event.artifact_id).exclude(blueprint_id="")
                .order_by("-id").values_list("blueprint_id", flat=True).first() or ""
            )
            event.search = chain.search_text(event)
        _link(event, head.last_hash)
        event.save(force_insert=True)
        _advance(head, event, 1)
    return event, True


def record_many(events: Iterable[AuditEvent], *, batch_size: int = 1000) -> int:
    """Append events made by `build_event`, in order, in one transaction: the fast path for many events at once (the
    Govern mirror's pass, the benchmark). Events whose natural key is stored already, or repeated in `events`, are
    skipped. Returns the number added."""
    events = list(events)
    added = 0
    with transaction.atomic():
        head = _lock_head()
        prev = head.last_hash
        keys = [e.natural_key for e in events if e.natural_key]
        seen: set[str] = set()
        for start in range(0, len(keys), batch_size):
            seen.update(
                AuditEvent.objects.filter(natural_key__in=keys[start:start + batch_size])
                .values_list("natural_key", flat=True)
            )
        for start in range(0, len(events), batch_size):
            batch = []
            for event in events[start:start + batch_size]:
                if event.natural_key:
                    if event.natural_key in seen:
                        continue
                    seen.add(event.natural_key)
                if not getattr(event, "_chain_append", False):
                    raise ValueError("record_many takes events made by build_event")
                prev = _link(event, prev)
                batch.append(event)
            if not batch:
                continue
            AuditEvent.objects.bulk_create(batch)
            if batch[-1].pk is None:  # a backend that does not return ids: the rows are the newest ones
                batch[-1].pk = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
            _advance(head, batch[-1], len(batch))
            added += len(batch)
    return added


def _link(event: AuditEvent, prev_hash: str) -> str:
    event.prev_hash = prev_hash
    event.hash = chain.chain_hash(prev_hash, event)
    return event.hash


def _lock_head() -> ChainHead:
    """The chain head, locked until the transaction ends; created on first use (a fresh or flushed database)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = {int(LOCK_TIMEOUT_MS)}")
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        ChainHead.objects.get_or_create(pk=1, defaults={"last_hash": chain.GENESIS})
        head = ChainHead.objects.select_for_update().get(pk=1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Only the wait for the head is bounded; the caller's own statements keep the server's setting.
            cursor.execute("SET LOCAL lock_timeout TO DEFAULT")
    return head


def _advance(head: ChainHead, last: AuditEvent, count: int) -> None:
    head.last_event_id = last.pk
    head.last_hash = last.hash
    head.length += count
    head.save(update_fields=["last_event_id", "last_hash", "length"])
