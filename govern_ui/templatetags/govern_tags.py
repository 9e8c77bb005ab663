"""Small display helpers for Govern data (values stay escaped: nothing here marks text safe)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def from_ms(value):
    """Govern's epoch milliseconds as an aware datetime (None stays None)."""
    if value in (None, ""):
        return None
    try:
        return dt.datetime.fromtimestamp(int(value) / 1000, tz=dt.UTC)
    except (TypeError, ValueError, OverflowError):
        return None


@register.filter
def status_class(value) -> str:
    """CSS class of a status chip: `status-in_progress` for IN_PROGRESS."""
    return "status-" + str(value or "unknown").lower().replace(" ", "_").replace("-", "_")


@register.filter
def age(value) -> str:
    """"3 days" since a datetime."""
    if not value:
        return ""
    return timesince(value, timezone.now()).split(",")[0]
