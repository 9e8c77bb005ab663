"""Display helpers of the wall screen: tiles, health and governance words with their icons, epoch times."""

from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import UTC, datetime
from functools import lru_cache
from html import escape

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import get_current_timezone

from deployer_ui.wall.board import WallTile
from deployer_ui.wall.rendered import TileHtml
from govern_ui.bundle_governance import APPROVED, NOT_GOVERNED, PENDING, REJECTED, BundleGovernance
from portal.lib.freshness import LOADING

register = template.Library()

# Icon and word for every health: colour is never the only signal.
HEALTH = {
    "HEALTHY": ("✔", "Healthy"),
    "WARNING": ("▲", "Warning"),
    "ERROR": ("✖", "Error"),
    "OUT_OF_SYNC": ("⇄", "Out of sync"),
    "UNKNOWN": ("?", "Unknown"),
    LOADING: ("…", "Loading"),
}
NODE_HEALTH = {"HEALTHY": ("✔", "Healthy"), "DEGRADED": ("▲", "Degraded"), "UNHEALTHY": ("✖", "Unhealthy"),
               LOADING: ("…", "Loading")}
GOVERNANCE = {
    APPROVED: ("✔", "Signed off"),
    PENDING: ("●", "Sign-off pending"),
    REJECTED: ("✖", "Sign-off rejected"),
    NOT_GOVERNED: ("○", "Not governed"),
}
WITHDRAWN = ("⚠", "Approval withdrawn")
# Dense boards say it in a word; the flag marks what is not signed off.
SHORT = {APPROVED: ("✔", "signed"), PENDING: ("⚑", "pending"), REJECTED: ("⚑", "rejected"),
         "withdrawn": ("⚑", "withdrawn"), NOT_GOVERNED: ("○", "ungoverned"), "unknown": ("…", "")}


def _health(value: str, table=HEALTH) -> tuple[str, str]:
    return table.get(value) or ("?", str(value or "").replace("_", " ").title())


@register.filter
def health_icon(value: str) -> str:
    return _health(value)[0]


@register.filter
def health_word(value: str) -> str:
    return _health(value)[1]


@register.filter
def node_health_icon(value: str) -> str:
    return _health(value, NODE_HEALTH)[0]


@register.filter
def node_health_word(value: str) -> str:
    return _health(value, NODE_HEALTH)[1]


@register.filter
def epoch(value: datetime | float | None) -> str:
    """A time as epoch seconds for a data attribute ("" for none): the browser counts ages from it."""
    if value is None:
        return ""
    return f"{value.timestamp() if isinstance(value, datetime) else float(value):.3f}"


@register.filter
def hhmm(value: datetime | float | None) -> str:
    """A time as hh:mm in the portal's time zone ("" for none)."""
    if value is None:
        return ""
    if not isinstance(value, datetime):
        value = datetime.fromtimestamp(float(value), tz=UTC)
    return value.astimezone(get_current_timezone()).strftime("%H:%M")


@lru_cache(maxsize=64)
def _governance_html(state: str, word: str, icon: str, short: bool) -> str:
    if short:
        short_icon, short_word = SHORT.get(state, ("?", state))
        return format_html('<span class="wt-gov-short gov-{}" title="{}"><span aria-hidden="true">{}</span> {}</span>',
                           state, word, short_icon, short_word)
    return format_html('<span class="wt-gov gov-{}" data-testid="wall-governance" data-state="{}">'
                       '<span aria-hidden="true">{}</span> {}</span>', state, state, icon, word)


def governance_label(governance: BundleGovernance | None, known: bool, *, short: bool = False) -> str:
    """The governance part of a tile: icon and word (`short`: the dense tiles' word), with its state for the tests
    and the style. A handful of distinct labels: each is built once."""
    if governance is None:
        state, icon, word = "unknown", "…", "Checking Govern" if known else "Govern loading"
    else:
        state = "withdrawn" if governance.withdrawn else governance.state
        icon, word = WITHDRAWN if governance.withdrawn else GOVERNANCE.get(governance.state, ("?", governance.state))
    return _governance_html(state, word, icon, short)


_TILE = (
    '<li class="{classes}" data-testid="wall-tile" data-deployment="{id}" data-health="{health}" '
    'data-success="{success}" data-error="{error}" data-since="{since}">'
    '<span class="wt-name" title="{id}">{id}</span>'
    '<span class="wt-line"><span class="wt-health" data-testid="wall-health"><span class="wt-icon" '
    'aria-hidden="true">{icon}</span> <span class="wt-word">{word}</span></span>{short_governance}'
    '<span class="wt-age" data-testid="wall-age"><span data-age>{age}</span><span class="wt-old"> old</span></span>'
    '<span class="wt-since" data-testid="wall-stale">stale since {since_text}</span>'
    '<span class="wt-why" data-reason title="{reason}">{reason}</span></span>'
    '<span class="wt-line wt-meta"><span class="wt-bundle" title="{project}">bundle {bundle}</span>{governance}</span>'
    '<span class="wt-line wt-reason" data-reason title="{reason}">{reason}</span>'
    "</li>"
)


_SUCCESS = f"\x00{secrets.token_hex(8)}\x00"  # where the reading time goes: no upstream text can guess it
_tiles: dict[tuple, TileHtml] = {}  # rendered tiles by what they show (see `tile_html`)
_tiles_lock = threading.Lock()
TILES_KEPT = 6_000  # the tiles of three boards of 2,000; cleared whole when full


def tile_html(tile: WallTile, governance_known: bool, shared_reason: str = "") -> TileHtml:
    """One tile. Built in Python with one format per tile (a board renders up to thousands of them); every value
    from an upstream is escaped (`escape`, as Django's own). The data attributes carry what the browser needs to
    count the tile's age and to turn it stale by itself when no newer data arrives: the age itself is the browser's
    (it counts it every second from `data-success`), so a tile is a function of what it shows, rendered once per
    process while that stays the same (a new board re-renders the tiles that changed only). The style shows either
    the long governance line (`wt-meta`) or, on dense boards, the short word on the health line; a dense stale tile
    names its reason only when it is not the `shared_reason` the board's banner already gives."""
    view, governance = tile.view, tile.governance
    shown = (view.id, tile.health, view.stale, tile.flagged, view.error, view.error == shared_reason,
             _since(view), view.loading, view.project_name, view.project_key, view.bundle_id,
             (governance.state, governance.withdrawn) if governance else None, governance_known)
    found = _tiles.get(shown)
    if found is None:
        found = _render_tile(tile, governance_known, shared_reason)
        with _tiles_lock:
            if len(_tiles) >= TILES_KEPT:
                _tiles.clear()
            _tiles[shown] = found
    # The reading time is the one part that changes at every refresh: put in the kept tile's place for it.
    return TileHtml(found.id, found.head, found.tail, found.key, epoch(view.last_success_at))


def _since(view) -> str:
    """"Stale since hh:mm" on a tile the server knows is stale; a screen writes it itself on a tile that turns
    stale while it shows it (from its reading time), so a fresh tile does not change with each reading."""
    return hhmm(view.since) if view.stale or view.error else ""


def _render_tile(tile: WallTile, governance_known: bool, shared_reason: str) -> TileHtml:
    view = tile.view
    health = tile.health
    icon, word = _health(health)
    classes = f"wt wt-{health.lower()}" + (" wt-stale" if view.stale else "") + (" wt-flagged" if tile.flagged else "")
    if view.error and view.error == shared_reason:
        classes += " wt-why-shared"
    since = _since(view)
    values = dict(
        classes=escape(classes), id=escape(view.id), health=escape(health), success=_SUCCESS,
        error="1" if view.error else "", since=since, since_text=since or "—", icon=icon, word=escape(word),
        short_governance=governance_label(tile.governance, governance_known, short=True),
        age="not read yet" if view.loading else "",
        reason=escape(view.error or ("never read successfully" if view.loading else "")),
        project=escape(f"{view.project_name} ({view.project_key})"), bundle=escape(view.bundle_id or "—"),
        governance=governance_label(tile.governance, governance_known),
    )
    head, tail = _TILE.format(**values).split(_SUCCESS)
    key = hashlib.blake2b((head + tail).encode(), digest_size=8).hexdigest()
    return TileHtml(view.id, head, tail, key, "")


@register.simple_tag(takes_context=True)
def wall_tile(context, tile: WallTile, governance_known: bool, shared_reason: str = ""):
    """One tile (see `tile_html`); where the context has a `tile_sink` (`deployer_ui.wall.rendered`), the tile goes
    there and the board gets its marker instead, so the board can later be sent with only the tiles that changed."""
    rendered = tile_html(tile, governance_known, shared_reason)
    sink = context.get("tile_sink")
    if sink is not None:
        return mark_safe(sink.add(rendered))
    # Safe: every interpolated value is escaped above, or is a label built with format_html.
    return mark_safe(rendered.html)


@register.simple_tag(takes_context=True)
def wall_tiles(context, tiles: list[WallTile], governance_known: bool, shared_reason: str = ""):
    """The tiles of a group in one tag call (see `wall_tile`): at 2,000 tiles, resolving a tag's arguments once per
    tile cost as much as the tiles themselves."""
    sink = context.get("tile_sink")
    rendered = (tile_html(tile, governance_known, shared_reason) for tile in tiles)
    # Safe: every interpolated value is escaped (see `tile_html`); markers are the sink's own.
    return mark_safe("".join(sink.add(r) if sink is not None else r.html for r in rendered))
