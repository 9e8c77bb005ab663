"""Govern custom fields: a value checked against its field's type, and changes merged into an artifact's values."""

from __future__ import annotations

import datetime as dt
import re

from sandbox.http import bad_request
from sandbox.state import Store

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _check_value(field: dict, value, logins) -> str | None:
    """Why ``value`` does not fit ``field`` (None if it does). ``None`` values clear a field and always fit."""
    ftype, options = field["type"], field.get("options", [])
    if value is None:
        return None
    if ftype in ("TEXT", "LONG_TEXT"):
        ok = isinstance(value, str)
    elif ftype == "NUMBER":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif ftype == "BOOLEAN":
        ok = isinstance(value, bool)
    elif ftype == "DATE":
        ok = isinstance(value, str) and bool(_DATE.match(value)) and _is_date(value)
    elif ftype == "SELECT":
        ok = value in options
    elif ftype == "MULTISELECT":
        ok = isinstance(value, list) and all(item in options for item in value)
    elif ftype == "USER":
        ok = value in logins
    elif ftype == "USERS":
        ok = isinstance(value, list) and all(item in logins for item in value)
    else:
        ok = True
    return None if ok else f"invalid value for {ftype} field {field['id']}: {value!r}"


def _is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def merge_custom_fields(store: Store, version: dict, current: dict, changes: dict) -> dict:
    """Validate ``changes`` against the version's field settings and merge them (``null`` removes a value)."""
    fields = {field["id"]: field for field in version["fieldSettings"]}
    logins = store.govern["users"]
    merged = dict(current)
    for fid, value in changes.items():
        if fid not in fields:
            raise bad_request(f"unknown custom field {fid!r} (known: {', '.join(fields) or 'none'})")
        problem = _check_value(fields[fid], value, logins)
        if problem:
            raise bad_request(problem)
        if value is None:
            merged.pop(fid, None)
        else:
            merged[fid] = value
    return merged
