"""Display helpers of the operators' pages: durations, health words and the dashboard tile."""

from __future__ import annotations

from html import escape as _html_escape
from urllib.parse import quote

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

from portal.lib.freshness import to_datetime

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
def epoch(value):
    """Epoch seconds (as the caches keep times) as an aware datetime, for the `time` and `date` filters."""
    return to_datetime(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


@register.filter
def humanize_health(value) -> str:
    return str(value or "").replace("_", " ").title()


def _e(value) -> str:
    """HTML-escape any value, as Django's `escape` does."""
    return _html_escape(str(value), quote=True)


def _time_html(value, fmt: str):
    if value is None:
        return ""
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), date_format(localtime(value), fmt))


def _updating_html(running, dashboard_url: str) -> str:
    """The "updating 50%" line of a tile whose deployment has a running update ('' for none)."""
    if running is None:
        return ""
    percent = max(0, min(100, int(running.percent or 0)))
    return (f'<a class="tile-updating" href="{_e(dashboard_url)}updates/{int(running.update_id)}/" '
            f'data-testid="updating">{_e(running.text)}'
            f'<span class="progress" aria-hidden="true"><span style="width: {percent}%"></span></span></a>')


@register.simple_tag
def deployment_tile(view, dashboard_url: str, updating=None):
    """One dashboard tile; `updating` ({deployment id: `dashboard.RunningUpdate`}) adds "updating 50%" to the tiles
    of deployments with a running update. Built in Python, not with `{% include %}`: a wall screen renders up to
    thousands of tiles every few seconds, and a template include per tile cost most of the page's time (see
    `make bench`). Every value goes through `_e` (the same escaping as Django's `escape`, without `format_html`'s
    per-argument checks, which were the next largest cost); the id is percent-encoded as one path segment."""
    return mark_safe(_tile_html(view, dashboard_url, updating))  # noqa: S308 - _tile_html escapes every value


@register.simple_tag
def deployment_tiles(views, dashboard_url: str, updating=None):
    """The tiles of a group in one tag call: at 2,000 tiles, resolving a tag's arguments once per tile was half of
    the dashboard's render (see `make bench`)."""
    return mark_safe("".join(_tile_html(view, dashboard_url, updating) for view in views))  # noqa: S308 - as above


def _tile_html(view, dashboard_url: str, updating) -> str:
    running = updating.get(view.id) if updating else None
    classes = f"tile health-tile-{view.health_class}" + (" stale" if view.stale else "") + (
        " updating" if running else "")
    chip_class = "chip-stale" if view.stale else f"health-{view.health_class}"
    chip = "Loading" if view.loading else humanize_health(view.health)
    if view.stale:
        since = f" since {_time_html(view.since, 'H:i')}" if view.since else ""
        error = f": {_e(view.error)}" if view.error else ""
        age_html = f'<span class="age stale-note" data-testid="stale">Stale{since}{error}</span>'
    elif not view.loading:
        age_html = f'<span class="age" data-testid="age">{_e(short_duration(view.age_seconds))} old</span>'
    else:
        age_html = '<span class="age">waiting for the first refresh</span>'
    ident = _e(view.id)
    return (  # every interpolated value above and below is escaped by _e
        f'<li class="{_e(classes)}" data-testid="tile" data-deployment="{ident}">'
        f'<a href="{_e(dashboard_url)}d/{_e(quote(view.id, safe=""))}/" class="tile-link">'
        f'<span class="chip {_e(chip_class)}" data-testid="health">{_e(chip)}</span> '
        f'<strong class="tile-title">{ident}</strong></a>'
        f'<span class="tile-meta">{_e(view.project_name or view.project_key)} · bundle {_e(view.bundle_id or "—")}'
        f'</span><span class="tile-meta">project {_e(view.deployed_project_key or "—")}</span>{age_html}'
        f'{_updating_html(running, dashboard_url)}</li>'
    )
