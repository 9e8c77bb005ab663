"""JSON log lines (the production profile's format) carry the request id of the request that logged them."""

from __future__ import annotations

import json
import logging

import pytest
from django.http import HttpResponse

from portal.audit.context import RequestContextMiddleware
from portal.logging import JsonFormatter


def _line(record: logging.LogRecord) -> dict:
    return json.loads(JsonFormatter().format(record))


@pytest.mark.unit
def test_a_json_line_names_level_logger_and_message():
    record = logging.LogRecord("portal.x", logging.WARNING, __file__, 1, "upstream %s failed", ("Govern",), None)
    line = _line(record)
    assert (line["level"], line["logger"], line["message"]) == ("WARNING", "portal.x", "upstream Govern failed")
    assert "request_id" not in line


def test_a_json_line_logged_during_a_request_carries_its_id(rf):
    lines = []

    def view(request):
        lines.append(_line(logging.LogRecord("portal.x", logging.INFO, __file__, 1, "inside", (), None)))
        return HttpResponse("ok")

    response = RequestContextMiddleware(view)(rf.get("/", HTTP_X_REQUEST_ID="trace-abcdef0123"))
    assert response["X-Request-ID"] == "trace-abcdef0123"
    assert lines[0]["request_id"] == "trace-abcdef0123"
