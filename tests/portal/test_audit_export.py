"""Exports of the audit log: streamed in chunks, complete, spreadsheet-safe, and closed by the last event's hash."""

from __future__ import annotations

import csv
import io
import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.audit import export
from portal.audit.models import AuditEvent
from portal.audit.service import record
from tests.portal.audit_helpers import bulk_events


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_an_export_is_a_streaming_response_read_in_chunks(login, auditor):
    bulk_events(export.CHUNK * 2 + 10)
    response = login(auditor).get("/audit/export.csv?action=test.bulk")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    with CaptureQueriesContext(connection) as queries:
        rows = _csv(response)
    chunk_reads = [q for q in queries.captured_queries if "audit_auditevent" in q["sql"] and "LIMIT" in q["sql"]]
    assert len(chunk_reads) >= 3  # three chunks, each a bounded read, never the whole table at once
    assert len(rows) == 1 + export.CHUNK * 2 + 10 + 1


def test_a_large_csv_export_is_complete_oldest_first_and_closed_by_the_last_hash(login, auditor):
    bulk_events(5000)
    events = list(AuditEvent.objects.filter(action="test.bulk").order_by("id").values_list("id", "target_id",
                                                                                           "hash"))
    rows = _csv(login(auditor).get("/audit/export.csv?action=test.bulk"))
    header, body, trailer = rows[0], rows[1:-1], rows[-1]
    assert header == list(export.HEADER)
    assert [(int(r[0]), r[header.index("target_id")], r[header.index("hash")]) for r in body] == events
    assert trailer == ["#chain", str(events[-1][0]), events[-1][2]]
    # The copy can be checked later: the store still has that hash for that event.
    assert AuditEvent.objects.get(pk=int(trailer[1])).hash == trailer[2]


def test_a_json_export_carries_the_exact_values_and_the_last_hash(login, auditor, reviewer):
    first = record(actor=reviewer, action="signoff.approve", target_type="signoff", target_id="art-0001/review",
                   outcome="delivered", input={"comment": "=1+1 fine"}, upstream_status=200)
    last = record(actor=None, action="deployment.update.finish", target_type="deployment", target_id="churn-prod",
                  outcome="success")
    response = login(auditor).get("/audit/export.json?q=art-0001")
    assert response.streaming and response["Content-Type"] == "application/json"
    data = json.loads(b"".join(response.streaming_content))
    assert data["columns"] == list(export.HEADER)
    assert [e["id"] for e in data["events"]] == [first.pk]
    assert data["events"][0]["input"] == {"comment": "=1+1 fine"}  # JSON is data: no spreadsheet quoting
    assert data["events"][0]["at"].endswith("Z") and data["events"][0]["hash"] == first.hash
    assert (data["count"], data["last_event_id"], data["last_hash"]) == (1, first.pk, first.hash)
    everything = json.loads(b"".join(login(auditor).get("/audit/export.json").streaming_content))
    assert everything["last_event_id"] >= last.pk


def test_cells_that_a_spreadsheet_would_run_are_neutralised(login, auditor):
    for text in ("=HYPERLINK(\"http://evil\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTab", "\rCR"):
        record(actor=None, actor_name=text, action="test.formula", target_type="artifact", target_id=text,
               outcome="failed", detail=text)
    rows = _csv(login(auditor).get("/audit/export.csv?action=test.formula"))
    header, body = rows[0], rows[1:-1]
    assert len(body) == 6
    for row in body:
        for column in ("actor", "target_id", "upstream_message"):
            cell = row[header.index(column)]
            assert cell.startswith("'"), (column, cell)
            assert cell[1] in "=+-@\t\r"


def test_an_export_of_an_empty_filter_is_a_header_row(login, auditor):
    response = login(auditor).get("/audit/export.csv?artifact=art-unknown")
    assert _csv(response) == [list(export.HEADER)]
    data = json.loads(b"".join(login(auditor).get("/audit/export.json?artifact=art-unknown").streaming_content))
    assert (data["events"], data["count"], data["last_hash"]) == ([], 0, None)


def test_the_audit_page_and_exports_name_the_person_not_only_the_login(login, auditor, reviewer):
    reviewer.first_name, reviewer.last_name = "Alice", "Martin"
    reviewer.save()
    record(actor=reviewer, action="signoff.approve", target_type="signoff", target_id="art-0002/review",
           outcome="delivered")
    page = login(auditor).get("/audit/?q=art-0002").content.decode()
    assert f"Alice Martin ({reviewer.username})" in page
    rows = _csv(login(auditor).get("/audit/export.csv?q=art-0002"))
    assert rows[1][rows[0].index("actor_name")] == "Alice Martin"
    assert rows[1][rows[0].index("actor")] == reviewer.username
    data = json.loads(b"".join(login(auditor).get("/audit/export.json?q=art-0002").streaming_content))
    assert data["events"][0]["actor_name"] == "Alice Martin"
