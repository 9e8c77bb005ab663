"""The history store: append-only through every path (ORM, queryset, admin, PostgreSQL trigger), what `record` fills
in, and idempotent inserts by natural key."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from portal.audit import chain
from portal.audit.models import AuditEvent, AuditImmutableError, ChainHead
from portal.audit.service import build_event, record, record_many, record_once
from tests.portal.audit_helpers import add_events


def test_saving_an_existing_event_is_refused(db):
    event = add_events(1)[0]
    event.outcome = "forged"
    with pytest.raises(AuditImmutableError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).outcome == "success"


def test_deleting_an_event_is_refused(db):
    event = add_events(1)[0]
    with pytest.raises(AuditImmutableError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_and_delete_are_refused(db):
    add_events(3)
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.all().update(outcome="forged")
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(action="test.thing").delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.bulk_update(list(AuditEvent.objects.all()), ["outcome"])
    assert AuditEvent.objects.filter(outcome="success").count() == 3


def test_events_cannot_be_created_outside_the_service(db):
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.create(action="signoff.approve", target_type="signoff", target_id="art-0045/s1",
                                  outcome="delivered", actor_username="carol", prev_hash="0" * 64, hash="f" * 64)
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.bulk_create([AuditEvent(action="x", target_type="x", target_id="x", outcome="x")])
    assert not AuditEvent.objects.exists()


def test_admin_cannot_add_change_or_delete_events(db, admin_user, login):
    event = add_events(1)[0]
    client = login(admin_user)
    base = "/django-admin/audit/auditevent/"
    assert client.get(base).status_code == 200  # reading is allowed
    assert client.get(f"{base}{event.pk}/change/").status_code == 200  # a read-only view
    forged = {"action": "signoff.approve", "target_type": "signoff", "target_id": "art-0045/s1",
              "outcome": "delivered", "actor_username": "carol"}
    assert client.get(f"{base}add/").status_code == 403
    assert client.post(f"{base}add/", forged).status_code == 403
    assert client.post(f"{base}{event.pk}/change/", forged).status_code == 403
    assert client.get(f"{base}{event.pk}/delete/").status_code == 403
    assert client.post(f"{base}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(base, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})
    assert list(AuditEvent.objects.exclude(action="auth.login").values_list("pk", "outcome", "action")) == [
        (event.pk, "success", "test.thing")
    ]
    assert not AuditEvent.objects.filter(actor_username="carol").exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the trigger exists on PostgreSQL only")
def test_postgresql_trigger_refuses_raw_update_and_delete(db):
    event = add_events(1)[0]
    for sql in ("UPDATE audit_auditevent SET outcome = 'forged' WHERE id = %s",
                "DELETE FROM audit_auditevent WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).outcome == "success"


def test_record_keeps_the_old_signature_and_fills_the_new_fields(db, reviewer):
    reviewer.profile.govern_login = "alice.martin"
    reviewer.profile.save()
    event = record(actor=reviewer, action="signoff.approve", target_type="signoff", target_id="art-0007/review",
                   outcome="refused", input={"comment": "ok", "action_id": 3}, upstream_status=409,
                   detail="Step already decided")
    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.actor_id, event.actor_username, event.govern_login) == (reviewer.pk, "alice", "alice.martin")
    assert (event.source, event.artifact_id, event.deployment_id) == ("portal", "art-0007", "")
    assert (event.upstream_status, event.detail, event.comment) == (409, "Step already decided", "ok")
    deployment = record(actor=None, action="deployment.update.finish", target_type="deployment",
                        target_id="churn-prod", outcome="success")
    assert (deployment.actor_username, deployment.deployment_id, deployment.artifact_id) == ("system", "churn-prod", "")


def test_each_event_links_to_the_one_before(db):
    first, second, third = add_events(3)
    assert first.prev_hash == chain.GENESIS
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    for event in AuditEvent.objects.all():
        assert chain.chain_hash(event.prev_hash, event) == event.hash  # as stored, read back
    head = ChainHead.objects.get(pk=1)
    assert (head.last_event_id, head.last_hash, head.length) == (third.pk, third.hash, 3)


def test_an_observed_event_with_a_seen_natural_key_adds_nothing(db, reviewer):
    portal_event = record(actor=reviewer, action="signoff.approve", target_type="signoff",
                          target_id="art-0001/review", outcome="delivered")
    observed = {"actor": None, "actor_name": "alice", "source": "observed", "action": "govern.review",
                "target_type": "signoff", "target_id": "art-0001/review", "outcome": "APPROVED",
                "blueprint_id": "bp-model", "natural_key": "review:art-0001/review:alice:1700000000000",
                "portal_event": portal_event}
    first, created = record_once(**observed)
    again, created_again = record_once(**observed)
    assert created and not created_again and again.pk == first.pk
    assert (first.source, first.request_id, first.client_ip, first.portal_event_id) == ("observed", "", "",
                                                                                       portal_event.pk)
    assert list(portal_event.observations.all()) == [first]
    assert AuditEvent.objects.count() == 2


def test_record_many_chains_in_order_and_skips_known_natural_keys(db):
    add_events(1)
    events = [build_event(actor=None, actor_name="bob", source="observed", action="govern.review",
                          target_type="signoff", target_id=f"art-{i}/s", outcome="APPROVED",
                          natural_key=f"k{i % 3}") for i in range(5)]
    assert record_many(events) == 3  # k0, k1, k2; the repeats are skipped
    assert record_many([build_event(actor=None, action="x", target_type="artifact", target_id="a", outcome="ok",
                                    natural_key="k1")]) == 0
    rows = list(AuditEvent.objects.order_by("id"))
    assert len(rows) == 4
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.hash
    assert ChainHead.objects.get(pk=1).last_hash == rows[-1].hash


def test_hostile_text_is_stored_without_nul_and_hashes_the_same_when_read_back(db):
    event = record(actor=None, actor_name="x\x00y", action="test.nul", target_type="artifact", target_id="a\x00b",
                   outcome="ok", input={"comment": "c\x00d", "n": 1e20, "t": (1, 2)})
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_username, stored.target_id, stored.input["comment"]) == ("xy", "ab", "cd")
    assert chain.chain_hash(stored.prev_hash, stored) == stored.hash


def test_deleting_a_user_keeps_their_events_and_their_name(db, reviewer):
    event = record(actor=reviewer, action="signoff.approve", target_type="signoff", target_id="art-0001/review",
                   outcome="delivered")
    reviewer.delete()
    kept = AuditEvent.objects.get(pk=event.pk)
    assert (kept.actor_username, kept.actor_id) == ("alice", event.actor_id)
    assert chain.chain_hash(kept.prev_hash, kept) == kept.hash


def test_an_observed_time_without_a_zone_is_taken_as_utc(db, settings):
    import datetime as dt

    settings.TIME_ZONE = "Europe/Paris"
    event = record(actor=None, actor_name="bob", source="observed", action="govern.review", target_type="signoff",
                   target_id="art-0002/review", outcome="APPROVED", at=dt.datetime(2026, 3, 1, 12, 0, 0))
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.at == dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.UTC)
    assert chain.chain_hash(stored.prev_hash, stored) == stored.hash


def test_events_on_an_artifact_take_the_blueprint_an_earlier_event_named(db):
    record(actor=None, action="signoff.approve", target_type="signoff", target_id="art-0009/review",
           outcome="pending", blueprint_id="bp-model")
    delivered = record(actor=None, action="signoff.approve", target_type="signoff", target_id="art-0009/review",
                       outcome="delivered")
    other = record(actor=None, action="signoff.approve", target_type="signoff", target_id="art-0010/review",
                   outcome="delivered")
    assert (delivered.blueprint_id, other.blueprint_id) == ("bp-model", "")
    stored = AuditEvent.objects.get(pk=delivered.pk)
    assert chain.chain_hash(stored.prev_hash, stored) == stored.hash
