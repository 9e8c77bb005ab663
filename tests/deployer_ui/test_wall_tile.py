"""Unit tier: a wall tile is rendered once per process for what it shows; a refresh that changed nothing but the
reading time keeps its key (the delta sends a placeholder), and hostile upstream text, NUL bytes and marker-like
strings included, is escaped and cannot cut a board apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deployer_ui.status_cache import StatusView
from deployer_ui.templatetags.wall import tile_html
from deployer_ui.wall.board import WallTile
from deployer_ui.wall.rendered import RenderedBoard, TileSink

pytestmark = pytest.mark.unit

HOSTILE = '<script>alert(1)</script>"\x00success\x00\x00deadbeefdeadbeef0\x00'
WHEN = datetime(2026, 12, 7, 1, 2, 3, tzinfo=UTC)


def tile(health="HEALTHY", when=WHEN, name=HOSTILE) -> WallTile:
    return WallTile(StatusView(id="churn-" + name, project_name=name, bundle_id="v4", health=health,
                               fetched_at=when, last_success_at=when, age_seconds=3))


def test_a_new_reading_time_alone_keeps_the_key_and_a_new_health_changes_it():
    first, later = tile_html(tile(), True), tile_html(tile(when=WHEN + timedelta(seconds=30)), True)
    assert first.key == later.key and first.success != later.success
    assert f'data-success="{later.success}"' in later.html and first.head is later.head, "rendered once"
    assert tile_html(tile(health="ERROR"), True).key != first.key


def test_hostile_text_is_escaped_and_cannot_cut_the_board():
    rendered = tile_html(tile(), True)
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    sink = TileSink()
    html = "<ul>" + sink.add(rendered) + sink.add(tile_html(tile(name="plain"), True)) + "</ul>"
    board = RenderedBoard.cut(html, sink)
    assert [t[0] for t in board.tiles] == ["churn-" + HOSTILE, "churn-plain"]
    assert board.full().decode() == "<ul>" + rendered.html + tile_html(tile(name="plain"), True).html + "</ul>"
    delta = board.delta({"churn-" + HOSTILE: rendered.key}).decode()
    assert 'data-keep="churn-&lt;script&gt;' in delta and delta.count("<li") == 2
