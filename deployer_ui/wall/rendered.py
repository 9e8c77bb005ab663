"""A wall board as sent: rendered once per version, whole for a screen that has nothing, and as a delta for a screen
that has an earlier version: the board's HTML with each tile the screen already shows replaced by a placeholder that
names it and carries its new reading time (`data-keep`, `data-success`), which the screen swaps for its own tile.

At 2,000 deployments a board is about 2 MB while a refresh changes a handful of tiles: a delta is about 5% of it.
Reading times are not in a tile's key (`TileHtml.key`), so a re-read that found nothing new keeps every tile. Each
process renders its own boards (tiles are kept rendered, so a new version renders the tiles that changed) and shares
only their tile keys through Redis, so a screen whose last board came from another process still gets a delta.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from html import escape

_NONCE = secrets.token_hex(8)  # no upstream text can forge a tile's marker: it would have to guess this
_MARKER = re.compile("\x00" + _NONCE + r"(\d+)\x00")


@dataclass(frozen=True)
class TileHtml:
    """A rendered tile: its HTML around its reading time (`head`, `success`, `tail`: a refresh that found nothing
    new changes the reading time only), and `key`, a digest of the rest: two tiles of one key differ only in
    `success`, which a kept tile takes over."""

    id: str
    head: str
    tail: str
    key: str
    success: str

    @property
    def html(self) -> str:
        return self.head + self.success + self.tail


class TileSink:
    """Collects the tiles of one render (`wall_tile` puts them here) and hands back their markers."""

    def __init__(self) -> None:
        self.tiles: list[TileHtml] = []

    def add(self, tile: TileHtml) -> str:
        self.tiles.append(tile)
        return f"\x00{_NONCE}{len(self.tiles) - 1}\x00"


@dataclass(frozen=True)
class RenderedBoard:
    """The board's HTML cut at its tiles: `between[i]` precedes tile i, `between[-1]` follows the last."""

    between: tuple[str, ...]
    tiles: tuple[tuple[str, str, str, str], ...]  # (deployment id, key digest, success, html), in board order

    @classmethod
    def cut(cls, html: str, sink: TileSink) -> RenderedBoard:
        parts = _MARKER.split(html)
        between, order = parts[0::2], [int(i) for i in parts[1::2]]
        tiles = tuple((t.id, t.key, t.success, t.html) for t in (sink.tiles[i] for i in order))
        return cls(tuple(between), tiles)

    @cached_property
    def keys(self) -> dict[str, str]:
        """Deployment id -> tile key: what a screen that shows this board shows."""
        return {tile_id: key for tile_id, key, _, _ in self.tiles}

    def _join(self, tiles: Iterable[str]) -> bytes:
        out = [self.between[0]]
        for html, after in zip(tiles, self.between[1:], strict=True):
            out += (html, after)
        return "".join(out).encode()

    def full(self) -> bytes:
        return self._join(html for _, _, _, html in self.tiles)

    def delta(self, shown: dict[str, str]) -> bytes:
        """The board for a screen showing tiles of keys `shown` (deployment id -> key digest): those it shows
        unchanged become placeholders."""
        return self._join(
            f'<li data-keep="{escape(tile_id)}" data-success="{success}" hidden></li>'
            if shown.get(tile_id) == key else html
            for tile_id, key, success, html in self.tiles
        )



def encode_keys(keys: dict[str, str]) -> bytes:
    """A board's tile keys as shared between processes: what a delta from it needs (not its 2 MB of HTML)."""
    return json.dumps(keys, separators=(",", ":")).encode()


def decode_keys(data: bytes) -> dict[str, str] | None:
    try:
        keys = json.loads(data)
    except ValueError:
        return None
    return keys if isinstance(keys, dict) else None
