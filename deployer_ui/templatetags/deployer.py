"""Display helpers of the operators' pages: durations, health words and the dashboard tile."""

from __future__ import annotations

from urllib.parse import quote

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.timezone import localtime

register = template.Library()


@register.filter
def short_duration(seconds) -> str:
    """A number of seconds in one short unit: 12 → "12 s", 190 → "3 min", 7300 → "2 h"; None → "—"."""
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
def humanize_health(value) -> str:
    return str(value or "").replace("_", " ").title()


def _time_html(value, fmt: str):
    if value is None:
        return ""
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), date_format(localtime(value), fmt))


@register.simple_tag
def deployment_tile(view, dashboard_url: str):
    """One dashboard tile. Built in Python, not with `{% include %}`: a wall screen renders up to thousands of tiles
    every few seconds, and a template include per tile cost most of the page's time (see `make bench`). Every value
    is escaped by format_html; the id is percent-encoded as one path segment."""
    classes = f"tile health-tile-{view.health_class}" + (" stale" if view.stale else "")
    chip_class = "chip-stale" if view.stale else f"health-{view.health_class}"
    chip = "Loading" if view.loading else humanize_health(view.health)
    if view.stale:
        since = format_html(" since {}", _time_html(view.since, "H:i")) if view.since else ""
        error = format_html(": {}", view.error) if view.error else ""
        age_html = format_html('<span class="age stale-note" data-testid="stale">Stale{}{}</span>', since, error)
    elif not view.loading:
        age_html = format_html('<span class="age" data-testid="age">{} old</span>', short_duration(view.age_seconds))
    else:
        age_html = format_html('<span class="age">{}</span>', "waiting for the first refresh")
    return format_html(
        '<li class="{}" data-testid="tile" data-deployment="{}">'
        '<a href="{}d/{}/" class="tile-link"><span class="chip {}" data-testid="health">{}</span> '
        '<strong class="tile-title">{}</strong></a>'
        '<span class="tile-meta">{} · bundle {}</span>'
        '<span class="tile-meta">project {}</span>{}</li>',
        classes, view.id, dashboard_url, quote(view.id, safe=""), chip_class, chip, view.id,
        view.project_name or view.project_key, view.bundle_id or "—", view.deployed_project_key or "—", age_html,
    )
