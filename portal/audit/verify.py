"""Walking the hash chain: `verify_chain` finds the first event altered, inserted or missing; `run_verification`
records the result (a `VerifyRun`) for the audit page, the command and the daily beat task."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from django.utils import timezone

from portal.audit import chain
from portal.audit.models import AuditEvent, ChainHead, VerifyRun

BATCH = 2000
# How far back an event that links past its predecessor is looked for (to name the event it skips).
RECENT = 1000

ALTERED = "altered"
INSERTED = "inserted"
MISSING = "missing"


@dataclass(frozen=True)
class Result:
    ok: bool
    verified: int
    message: str
    first_bad_event_id: int | None = None
    problem: str = ""
    last_event_id: int | None = None
    last_hash: str = ""


def _rows(after_id: int = 0):
    """Every event from `after_id` on, in id order, in batches (never the whole table in memory)."""
    last = after_id
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last).order_by("id")[:BATCH])
        if not batch:
            return
        yield from batch
        last = batch[-1].pk


def _head() -> tuple[int | None, str]:
    head = ChainHead.objects.filter(pk=1).first()
    return (head.last_event_id, head.last_hash) if head else (None, chain.GENESIS)


def verify_chain() -> Result:
    """Walk the chain in id order. Each event must link to the hash of the event before it (`prev_hash`) and hash to
    its stored `hash`; the last one must be the chain head, and the event the last passed run ended on must still
    carry the hash it had. Returns the first problem found:

    - altered: an event's content (or its link) no longer gives its hash;
    - inserted: an event that does not fit into the chain (the next one links past it, or it comes after the head)
      was written outside the service;
    - missing: an event links to a hash that exists nowhere: the event(s) before it were deleted (or the head
      names an event that is gone).
    """
    expected_prev = chain.GENESIS
    prev_id: int | None = None
    verified = 0
    recent: deque[tuple[int, str]] = deque(maxlen=RECENT)  # (id, hash) of the last events verified
    pending: AuditEvent | None = None  # an event that does not link: judged once its successor is seen
    for event in _rows():
        if pending is not None:
            return _judge(verified, pending, event, expected_prev, prev_id, recent)
        if event.prev_hash != expected_prev:
            pending = event
            continue
        if chain.chain_hash(event.prev_hash, event) != event.hash:
            return _fail(verified, event.pk, ALTERED, f"Event #{event.pk} was altered: its content no longer "
                         "matches its hash.")
        if event.search != chain.search_text(event):
            return _fail(verified, event.pk, ALTERED, f"Event #{event.pk} was altered: its search text no longer "
                         "matches its content.")
        expected_prev, prev_id = event.hash, event.pk
        recent.append((event.pk, event.hash))
        verified += 1
    if pending is not None:
        return _judge(verified, pending, None, expected_prev, prev_id, recent)

    # Read after the walk: the head names every event committed so far, so a walked event past it is not the
    # service's, and a head past the walk is either an event appended meanwhile or one that is gone.
    head_id, head_hash = _head()
    if head_id != prev_id or head_hash != expected_prev:
        if head_id is not None and (prev_id is None or head_id > prev_id):
            if not AuditEvent.objects.filter(pk=head_id).exists():
                return _fail(verified, head_id, MISSING, f"Event #{head_id}, the last one written, is missing.")
        elif prev_id is not None:
            return _fail(verified, prev_id, INSERTED, f"Event #{prev_id} was inserted outside the portal: the "
                         f"chain's last event is #{head_id or 'none'}.")

    anchor = VerifyRun.objects.filter(ok=True, last_event_id__isnull=False).order_by("-started_at", "-id").first()
    if anchor is not None:
        stored = AuditEvent.objects.filter(pk=anchor.last_event_id).values_list("hash", flat=True).first()
        if stored is None:
            return _fail(verified, anchor.last_event_id, MISSING, f"Event #{anchor.last_event_id}, verified on "
                         f"{anchor.started_at:%Y-%m-%d %H:%M}, is missing.")
        if stored != anchor.last_hash:
            return _fail(verified, anchor.last_event_id, ALTERED, f"Event #{anchor.last_event_id} no longer has "
                         f"the hash it had when verified on {anchor.started_at:%Y-%m-%d %H:%M}: the chain was "
                         "rewritten from there.")
    return Result(True, verified, f"{verified} events verified.", last_event_id=prev_id,
                  last_hash=expected_prev if prev_id else "")


def _judge(verified: int, bad: AuditEvent, following: AuditEvent | None, expected_prev: str, prev_id: int | None,
           recent: deque[tuple[int, str]]) -> Result:
    """`bad` does not link to the event before it (#`prev_id`); `following` is the event after it, if any."""
    start = f"#{prev_id}" if prev_id else "the start"
    if following is not None and following.prev_hash == expected_prev:
        return _fail(verified, bad.pk, INSERTED, f"Event #{bad.pk} was inserted outside the portal: event "
                     f"#{following.pk} links past it to {start}.")
    if chain.chain_hash(expected_prev, bad) == bad.hash:
        return _fail(verified, bad.pk, ALTERED, f"Event #{bad.pk} was altered: its link to {start} was rewritten.")
    earlier = [i for i, (_, h) in enumerate(recent) if h == bad.prev_hash]
    if earlier and earlier[-1] + 1 < len(recent):
        intruder = recent[earlier[-1] + 1][0]
        return _fail(verified, intruder, INSERTED, f"Event #{intruder} was inserted outside the portal: event "
                     f"#{bad.pk} links past it to #{recent[earlier[-1]][0]}.")
    if chain.chain_hash(bad.prev_hash, bad) != bad.hash:
        head_id, _ = _head()
        if following is None and (head_id is None or bad.pk > head_id):
            return _fail(verified, bad.pk, INSERTED, f"Event #{bad.pk} was inserted outside the portal: the "
                         f"chain's last event is #{head_id or 'none'}.")
        return _fail(verified, bad.pk, ALTERED, f"Event #{bad.pk} was altered: its link to {start} and its hash "
                     "no longer match.")
    if not AuditEvent.objects.filter(hash=bad.prev_hash).exists():
        return _fail(verified, bad.pk, MISSING, f"Events are missing between {start} and #{bad.pk}: it links to "
                     "an event that no longer exists.")
    return _fail(verified, bad.pk, INSERTED, f"Event #{bad.pk} was inserted outside the portal: it does not link "
                 f"to {start}.")


def _fail(verified: int, event_id: int | None, problem: str, message: str) -> Result:
    return Result(False, verified, message, first_bad_event_id=event_id, problem=problem)


def run_verification(requested_by: str = "") -> VerifyRun:
    """Verify the chain and store the result; returns the finished run."""
    run = VerifyRun.objects.create(requested_by=requested_by[:150])
    result = verify_chain()
    run.finished_at = timezone.now()
    run.ok = result.ok
    run.verified = result.verified
    run.first_bad_event_id = result.first_bad_event_id
    run.problem = result.problem
    run.message = result.message
    run.last_event_id = result.last_event_id
    run.last_hash = result.last_hash
    run.save()
    return run


def last_run() -> VerifyRun | None:
    return VerifyRun.objects.order_by("-started_at", "-id").first()
