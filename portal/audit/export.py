"""Exports of any filtered view of the history store, as CSV or JSON, produced row by row for a streaming response.

Rows are read in keyset chunks (`id > last ORDER BY id LIMIT n`) up to the newest event that existed when the export
began, oldest first, so 100,000 events never sit in memory and an export is a stable snapshot. The last exported
event's chain hash closes the file, so a copy can be checked against the store later (`hash` of that event).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

from portal.audit import chain
from portal.audit.browse import filtered
from portal.audit.models import AuditEvent

CHUNK = 2000

# (column, model field). Documented in README.md ("Audit export columns").
COLUMNS = (
    ("id", "id"),
    ("at", "at"),
    ("source", "source"),
    ("actor", "actor_username"),
    ("actor_name", "actor_name"),
    ("actor_id", "actor_id"),
    ("govern_login", "govern_login"),
    ("action", "action"),
    ("target_type", "target_type"),
    ("target_id", "target_id"),
    ("artifact_id", "artifact_id"),
    ("blueprint_id", "blueprint_id"),
    ("deployment_id", "deployment_id"),
    ("outcome", "outcome"),
    ("upstream_status", "upstream_status"),
    ("upstream_message", "detail"),
    ("input", "input"),
    ("request_id", "request_id"),
    ("client_ip", "client_ip"),
    ("natural_key", "natural_key"),
    ("portal_event_id", "portal_event_id"),
    ("prev_hash", "prev_hash"),
    ("hash", "hash"),
)
FIELDS = [f for _, f in COLUMNS]
# Read through the actor's row (a join), not stored on the event: the person's full name as the portal knows it now.
_STORED = [f for f in FIELDS if f != "actor_name"]
HEADER = [c for c, _ in COLUMNS]
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
TRAILER_MARK = "#chain"


def rows(filters: dict) -> Iterator[dict]:
    """Events matching `filters` as dicts of `FIELDS`, oldest first, read in chunks."""
    qs = filtered(filters)
    upto = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    if upto is None:
        return
    last = 0
    while True:
        chunk = list(qs.filter(id__gt=last, id__lte=upto).order_by("id")
                     .values(*_STORED, "actor__first_name", "actor__last_name")[:CHUNK])
        if not chunk:
            return
        for row in chunk:
            first, last_name = row.pop("actor__first_name") or "", row.pop("actor__last_name") or ""
            row["actor_name"] = f"{first} {last_name}".strip()
        yield from chunk
        last = chunk[-1]["id"]


def neutralise(value) -> str:
    """A cell as text, with a leading quote when a spreadsheet would take it for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class _Line:
    """csv.writer writes into this and we hand each line on at once."""

    def write(self, value: str) -> str:
        return value


def csv_lines(filters: dict) -> Iterator[str]:
    """The CSV export: a header row, one row per event, then (when any) a trailer row
    `#chain,<id of the last event>,<its chain hash>`."""
    writer = csv.writer(_Line())
    yield writer.writerow(HEADER)
    last = None
    for row in rows(filters):
        last = row
        yield writer.writerow([neutralise(_cell(name, row[name])) for name in FIELDS])
    if last is not None:
        yield writer.writerow([TRAILER_MARK, last["id"], last["hash"]])


def _cell(name: str, value):
    if name == "at":
        return chain.timestamp(value) + "Z"
    if name == "input":
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def json_chunks(filters: dict) -> Iterator[str]:
    """The JSON export: {"columns": [...], "events": [{column: value}, ...], "count": n, "last_event_id": id,
    "last_hash": hash}, written piece by piece. Values are exactly the stored ones (no spreadsheet quoting), so a
    complete export can be re-chained offline."""
    yield '{"columns": ' + json.dumps(HEADER) + ', "events": ['
    count, last = 0, None
    for row in rows(filters):
        record = {column: (chain.timestamp(row[f]) + "Z" if f == "at" else row[f]) for column, f in COLUMNS}
        yield ("\n" if count == 0 else ",\n") + json.dumps(record, ensure_ascii=False, sort_keys=False)
        count, last = count + 1, row
    tail = {
        "count": count,
        "last_event_id": last["id"] if last else None,
        "last_hash": last["hash"] if last else None,
    }
    yield "\n], " + json.dumps(tail)[1:-1] + "}\n"
