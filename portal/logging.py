"""Logging pieces named in settings.LOGGING: one-line 403s and the JSON line formatter of the production profile."""

from __future__ import annotations

import datetime as dt
import json
import logging

from portal.audit.context import current_request_id
from portal.lib.redis_guard import RedisSkipped


class OneLineForbidden(logging.Filter):
    """Drops the traceback Django attaches to "Forbidden (Permission denied)": a 403 is an answer, not a fault."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True


class QuietSkippedRedis(logging.Filter):
    """Drops the records of Redis calls the circuit breaker skipped: the breaker logs once when Redis fails and once
    when it answers again, instead of a traceback for every cache read of every page in between."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        while exc is not None:
            if isinstance(exc, RedisSkipped):
                return False
            exc = exc.__cause__ or exc.__context__
        return RedisSkipped.MESSAGE not in record.getMessage()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request id (when in a request) and any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id:
            line["request_id"] = request_id
        status = getattr(record, "status_code", None)
        if status is not None:
            line["status"] = status
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)
