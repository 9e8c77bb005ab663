"""Small display helpers for the operators' pages."""

from __future__ import annotations

from urllib.parse import quote

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.timezone import localtime

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


def _time_html(value, fmt: str):
    if value is None:
        return ""
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), date_format(localtime(value), fmt))


@register.simple_tag
def deployment_tile(v, dashboard_url: str):
    """One dashboard tile. Built in Python, not with `{% include %}`: a wall screen renders up to thousands of tiles
    every few seconds, and a template include per tile cost most of the page's time (see `make bench`). Every value
    is escaped by format_html; the id is percent-encoded as one path segment."""
    classes = f"tile health-tile-{v.health_class}" + (" stale" if v.stale else "")
    chip_class = "chip-stale" if v.stale else f"health-{v.health_class}"
    chip = "Loading" if v.loading else humanize_health(v.health)
    if v.stale:
        since = format_html(" since {}", _time_html(v.since, "H:i")) if v.since else ""
        error = format_html(": {}", v.error) if v.error else ""
        age_html = format_html('<span class="age stale-note" data-testid="stale">Stale{}{}</span>', since, error)
    elif not v.loading:
        age_html = format_html('<span class="age" data-testid="age">{} old</span>', age(v.age_seconds))
    else:
        age_html = format_html('<span class="age">{}</span>', "waiting for the first refresh")
    return format_html(
        '<li class="{}" data-testid="tile" data-deployment="{}">'
        '<a href="{}d/{}/" class="tile-link"><span class="chip {}" data-testid="health">{}</span> '
        '<strong class="tile-title">{}</strong></a>'
        '<span class="tile-meta">{} · bundle {}</span>'
        '<span class="tile-meta">project {}</span>{}</li>',
        classes, v.id, dashboard_url, quote(v.id, safe=""), chip_class, chip, v.id,
        v.project_name or v.project_key, v.bundle_id or "—", v.deployed_project_key or "—", age_html,
    )
