"""Small display helpers for Govern data (values stay escaped: nothing here marks text safe)."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from govern_ui.queue import status_label as _status_label

register = template.Library()


@register.filter
def status_class(value) -> str:
    """CSS class of a status chip: `status-in_progress` for IN_PROGRESS."""
    return "status-" + str(value or "unknown").lower().replace(" ", "_").replace("-", "_")


@register.filter
def status_label(value) -> str:
    """A sign-off status as people read it: "In progress" for IN_PROGRESS."""
    return _status_label(str(value or ""))


@register.filter
def waited(since) -> str:
    """How long since a datetime, in its largest unit: "3 days"."""
    if not since:
        return ""
    return timesince(since, timezone.now()).split(",")[0]
