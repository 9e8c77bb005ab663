"""`verify_audit` and the chain: intact chains pass, and an event altered, inserted or deleted behind the portal's
back is named; concurrent writers keep one chain."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from portal.audit import verify
from portal.audit.models import AuditEvent, VerifyRun
from portal.audit.service import record
from tests.portal.audit_helpers import add_events, bulk_events, raw_sql

INSERT = (
    "INSERT INTO audit_auditevent (at, source, actor_username, govern_login, action, target_type, target_id, "
    "artifact_id, blueprint_id, deployment_id, input, outcome, detail, request_id, client_ip, search, prev_hash, "
    "hash) VALUES (%s, 'portal', 'carol', 'carol', 'signoff.approve', 'signoff', 'art-0045/review', 'art-0045', '', "
    "'', '{}', 'delivered', '', '', '', %s, %s, %s)"
)


SEARCH = "carol\ncarol\nsignoff.approve\nart-0045/review"


def _forge(prev_hash: str, hash_: str) -> int:
    raw_sql(INSERT, ["2026-01-01 00:00:00", SEARCH, prev_hash, hash_])
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()


def test_verify_audit_passes_on_an_intact_chain_and_prints_the_count(db, capsys):
    add_events(5)
    bulk_events(20)
    call_command("verify_audit")
    assert "25 events verified." in capsys.readouterr().out
    run = VerifyRun.objects.get()
    assert run.ok and run.verified == 25 and run.requested_by == "manage.py verify_audit"


def test_verify_audit_passes_on_an_empty_store(db, capsys):
    call_command("verify_audit")
    assert "0 events verified." in capsys.readouterr().out


def test_verify_audit_names_an_altered_event_and_exits_non_zero(db):
    events = add_events(5)
    raw_sql("UPDATE audit_auditevent SET outcome = 'refused' WHERE id = %s", [events[2].pk])
    with pytest.raises(CommandError, match=f"Event #{events[2].pk} was altered") as excinfo:
        call_command("verify_audit")
    assert excinfo.value.returncode == 1
    run = VerifyRun.objects.get()
    assert (run.ok, run.first_bad_event_id, run.problem, run.verified) == (False, events[2].pk, "altered", 2)


def test_verify_names_an_event_whose_search_text_was_altered(db):
    events = add_events(3)
    raw_sql("UPDATE audit_auditevent SET search = '' WHERE id = %s", [events[1].pk])
    result = verify.verify_chain()
    assert (result.ok, result.first_bad_event_id, result.problem) == (False, events[1].pk, "altered")


@pytest.mark.parametrize("new_link", ["first event's hash", "garbage"])
def test_verify_names_an_event_whose_link_was_rewritten_as_altered(db, new_link):
    events = add_events(4)
    prev = events[0].hash if new_link == "first event's hash" else "a" * 64
    raw_sql("UPDATE audit_auditevent SET prev_hash = %s WHERE id = %s", [prev, events[2].pk])
    result = verify.verify_chain()
    assert (result.ok, result.first_bad_event_id, result.problem) == (False, events[2].pk, "altered")


def test_verify_names_an_event_deleted_from_the_middle_as_missing(db):
    events = add_events(5)
    raw_sql("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])
    result = verify.verify_chain()
    assert (result.ok, result.first_bad_event_id, result.problem) == (False, events[3].pk, "missing")
    assert f"between #{events[1].pk} and #{events[3].pk}" in result.message


def test_verify_names_the_first_event_deleted_as_missing(db):
    events = add_events(3)
    raw_sql("DELETE FROM audit_auditevent WHERE id = %s", [events[0].pk])
    result = verify.verify_chain()
    assert (result.ok, result.first_bad_event_id, result.problem) == (False, events[1].pk, "missing")


def test_verify_names_the_last_event_deleted_as_missing(db):
    events = add_events(3)
    raw_sql("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])
    result = verify.verify_chain()
    assert (result.ok, result.first_bad_event_id, result.problem) == (False, events[-1].pk, "missing")


def test_verify_names_a_forged_event_inserted_at_the_end(db):
    events = add_events(3)
    forged = _forge("f" * 64, "e" * 64)
    result = verify.verify_chain()
    assert (result.ok, result.first_bad_event_id, result.problem) == (False, forged, "inserted")
    assert forged > events[-1].pk


def test_verify_names_a_well_linked_forgery_after_the_head_as_inserted(db):
    """Even a forger who links and hashes the row correctly is caught: the chain head never moved to it."""
    from portal.audit import chain

    events = add_events(3)
    probe = AuditEvent(at=events[-1].at, source="portal", actor_username="carol", govern_login="carol",
                       action="signoff.approve", target_type="signoff", target_id="art-0045/review",
                       artifact_id="art-0045", input={}, outcome="delivered")
    # The raw INSERT below stores exactly these values; compute the hash a careful forger would.
    probe.at = probe.at.replace(year=2026, month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    assert chain.search_text(probe) == SEARCH
    forged = _forge(events[-1].hash, chain.chain_hash(events[-1].hash, probe))
    result = verify.verify_chain()
    assert (result.ok, result.first_bad_event_id, result.problem) == (False, forged, "inserted")


def test_verify_names_an_event_inserted_between_two_portal_events(db):
    add_events(3)
    forged = _forge("f" * 64, "e" * 64)
    after = record(actor=None, action="test.thing", target_type="artifact", target_id="art-9", outcome="success")
    assert after.pk > forged
    result = verify.verify_chain()
    assert (result.ok, result.first_bad_event_id, result.problem) == (False, forged, "inserted")


def test_verify_catches_a_rewritten_tail_through_the_last_passed_run(db):
    events = add_events(3)
    assert verify.run_verification("test").ok
    # Rewrite the last event and, as a thorough forger would, its hash and the chain head too.
    from portal.audit import chain
    from portal.audit.models import ChainHead

    raw_sql("UPDATE audit_auditevent SET outcome = 'refused' WHERE id = %s", [events[-1].pk])
    altered = AuditEvent.objects.get(pk=events[-1].pk)
    new_hash = chain.chain_hash(altered.prev_hash, altered)
    raw_sql("UPDATE audit_auditevent SET hash = %s WHERE id = %s", [new_hash, altered.pk])
    ChainHead.objects.filter(pk=1).update(last_hash=new_hash)
    result = verify.verify_chain()
    assert (result.ok, result.first_bad_event_id, result.problem) == (False, altered.pk, "altered")


def _write_events(n: int, barrier: threading.Barrier, errors: list) -> None:
    try:
        barrier.wait(timeout=30)
        for i in range(n):
            record(actor=None, action="test.concurrent", target_type="artifact",
                   target_id=f"{threading.current_thread().name}-{i}", outcome="success")
    except Exception as exc:  # noqa: BLE001 - reported to the test thread
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain():
    threads_n, per_thread = 4, 15
    barrier = threading.Barrier(threads_n)
    errors: list = []
    threads = [threading.Thread(target=_write_events, args=(per_thread, barrier, errors), name=f"w{i}")
               for i in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    rows = list(AuditEvent.objects.order_by("id").values_list("prev_hash", "hash"))
    assert len(rows) == threads_n * per_thread
    assert len({prev for prev, _ in rows}) == len(rows), "two events link to the same previous event: a fork"
    result = verify.verify_chain()
    assert result.ok, result.message
    assert result.verified == threads_n * per_thread
    assert connection.vendor in ("sqlite", "postgresql")


def test_beat_verifies_the_audit_chain_daily():
    from portal import tasknames
    from portal.celery import _beat_schedule, app

    app.loader.import_default_modules()
    entry = _beat_schedule()["verify-audit-chain"]
    assert entry["task"] == tasknames.VERIFY_AUDIT_CHAIN and entry["task"] in app.tasks
    assert entry["schedule"] == 24 * 3600 and 0 < entry["options"]["expires"] <= 3600
