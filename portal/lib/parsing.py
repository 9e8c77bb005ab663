"""Defensive readers for upstream JSON bodies, shared by every upstream client.

Two kinds of reader:

- the lenient ones (module functions: `opt_obj`, `opt_list`, `text`, `texts`, `number`, `whole_number`,
  `ms_to_datetime`) turn a missing or off-shape value into an empty or None default, for the parts of a body a page
  can do without;
- the strict ones (methods of a `Parser` bound to one upstream's name) raise `UpstreamBadResponse` for a value that is
  not the shape the contract promises, so that a KeyError or TypeError never reaches a page.

The error messages name the upstream and what was wrong (which object, which key, which shape was expected) and
never the offending value: a body may hold a key or a password.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from portal.lib.upstream import UpstreamBadResponse

T = TypeVar("T")


# -- lenient readers -----------------------------------------------------------------------------------------------


def opt_obj(value: Any) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty dict. Never raises."""
    return value if isinstance(value, dict) else {}


def opt_list(value: Any) -> list[Any]:
    """`value` if it is a JSON list, else an empty list. Never raises."""
    return value if isinstance(value, list) else []


def text(value: Any) -> str:
    """`value` as a string: '' for None (or a missing key), `str(value)` for a non-string. Never raises."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def texts(value: Any) -> tuple[str, ...]:
    """Each item of the list `value` as `text(item)`; () if `value` is not a list. Never raises."""
    return tuple(text(item) for item in opt_list(value))


def number(value: Any) -> float | None:
    """`value` as a float if it is a finite JSON number, else None. Booleans are not numbers. Never raises."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        result = float(value)
    except OverflowError:
        return None
    return result if math.isfinite(result) else None


def whole_number(value: Any) -> int | None:
    """`value` as an int (a float is truncated) if it is a finite JSON number, else None. Booleans are not numbers."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    result = number(value)
    return None if result is None else int(result)


def ms_to_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime from epoch milliseconds; None for a missing, non-positive or out-of-range value."""
    millis = number(value)
    if millis is None or millis <= 0:
        return None
    try:
        return datetime.fromtimestamp(millis / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)


def datetime_to_ms(value: datetime | None) -> int | None:
    """Epoch milliseconds of an aware datetime, the exact inverse of `ms_to_datetime` (for the JSON the portal writes
    itself: snapshots, API fields documented as epoch milliseconds). None stays None."""
    return None if value is None else (value - _EPOCH) // _ONE_MS


# -- strict readers ------------------------------------------------------------------------------------------------


class Parser:
    """Strict readers for one upstream's bodies. Each raises `UpstreamBadResponse` naming `upstream` on a bad shape.

    `what` arguments describe the value for the message, with its article: "a blueprint", "deployment settings".
    """

    __slots__ = ("upstream",)

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream

    def bad(self, what: str) -> UpstreamBadResponse:
        """The error for a body that answered `what` (e.g. "a stage without an 'id'"). Returned, not raised."""
        return UpstreamBadResponse(f"answered {what}", upstream=self.upstream)

    def obj(self, value: Any, what: str) -> dict[str, Any]:
        """`value` if it is a JSON object; raises `UpstreamBadResponse` otherwise."""
        if not isinstance(value, dict):
            raise self.bad(f"{what} that is not an object")
        return value

    def array(self, value: Any, what: str) -> list[Any]:
        """`value` if it is a JSON list (of anything); raises `UpstreamBadResponse` otherwise."""
        if not isinstance(value, list):
            raise self.bad(f"{what} that is not a list")
        return value

    def objects(self, value: Any, what: str) -> list[dict[str, Any]]:
        """`value` if it is a JSON list of objects; raises `UpstreamBadResponse` otherwise."""
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise self.bad(f"{what} that is not a list of objects")
        return value

    def required_id(self, data: dict[str, Any], key: str, what: str) -> str:
        """`data[key]` if it is a non-empty string; raises `UpstreamBadResponse` otherwise."""
        value = data.get(key)
        if not isinstance(value, str) or not value:
            raise self.bad(f"{what} without a non-empty {key!r}")
        return value

    def string(self, data: dict[str, Any], key: str, default: str = "") -> str:
        """`data[key]` if it is a string, `default` if it is missing or null; raises `UpstreamBadResponse` otherwise."""
        value = data.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.bad(f"a {key!r} that is not a string")
        return value

    def integer(self, data: dict[str, Any], key: str) -> int | None:
        """`data[key]` if it is an integer (not a boolean), None if missing or null; raises `UpstreamBadResponse`."""
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.bad(f"a {key!r} that is not an integer")
        return value

    def boolean(self, data: dict[str, Any], key: str) -> bool:
        """`data[key]` if it is a boolean, False if missing; raises `UpstreamBadResponse` otherwise (also for null)."""
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise self.bad(f"a {key!r} that is not a boolean")
        return value

    def strings(self, data: dict[str, Any], key: str) -> tuple[str, ...]:
        """`data[key]` as a tuple if it is a list of strings, () if missing or null; raises `UpstreamBadResponse`."""
        value = data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.bad(f"a {key!r} that is not a list of strings")
        return tuple(value)

    def items(self, data: dict[str, Any], key: str, parse: Callable[[dict[str, Any]], T]) -> tuple[T, ...]:
        """`parse` applied to each object of the list `data[key]`, () if missing or null; raises `UpstreamBadResponse`
        if it is not a list of objects (and whatever `parse` raises)."""
        value = data.get(key)
        if value is None:
            return ()
        return tuple(parse(item) for item in self.objects(value, f"a {key!r}"))
