"""Small builders for the audit tests."""

from __future__ import annotations

from django.db import connection

from portal.audit.models import AuditEvent
from portal.audit.service import build_event, record, record_many


def add_events(n: int, **fields) -> list[AuditEvent]:
    """`n` events through the service, one append each."""
    defaults = {"actor": None, "action": "test.thing", "target_type": "artifact", "outcome": "success"}
    return [record(**{**defaults, "target_id": f"art-{i:04d}", **fields}) for i in range(n)]


def bulk_events(n: int, **fields) -> int:
    """`n` events through the service's bulk path (one transaction)."""
    defaults = {"actor": None, "action": "test.bulk", "target_type": "artifact", "outcome": "success"}
    return record_many(build_event(**{**defaults, "target_id": f"art-{i:05d}", **fields}) for i in range(n))


def raw_sql(sql: str, params=()) -> None:
    """Run SQL as someone with database access would, past the ORM's refusals (and, on PostgreSQL, past the
    append-only trigger, turned off for this test's transaction only)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
