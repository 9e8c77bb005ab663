"""Small display helpers for the operators' pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def age(seconds) -> str:
    """12 → "12 s", 190 → "3 min", 7300 → "2 h"."""
    if seconds is None:
        return "—"
    seconds = int(seconds)
    if seconds < 90:
        return f"{max(0, seconds)} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} d"


@register.filter
def lookup(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def humanize_health(value) -> str:
    return str(value or "").replace("_", " ").title()
