"""Display filters of the API-node pages: numbers for people, upstream keys as labels, health reasons, chart data."""

from __future__ import annotations

import json

from django import template

from deployer_ui import display

register = template.Library()

register.filter("count", display.count)
register.filter("per_minute", display.per_minute)
register.filter("percent", display.percent)
register.filter("ms", display.milliseconds)
register.filter("detail_label", display.label)
register.filter("detail_value", display.value_text)


def _status_and_details(health) -> tuple[str, dict]:
    """Either a live `NodeHealth` (status, details) or a cached `NodeView` (health, health_details)."""
    if hasattr(health, "health_details"):
        return ("" if health.loading else health.health), health.health_details
    return getattr(health, "status", ""), getattr(health, "details", {})


@register.filter
def health_reasons(health) -> list[str]:
    """Why a node (live health or cached view) is not healthy; [] when it is."""
    if health is None:
        return []
    return display.health_reasons(*_status_and_details(health))


@register.filter
def detail_rows(details) -> list[tuple[str, str]]:
    return display.detail_rows(details)


@register.filter
def chart_json(chart) -> str:
    """A `charts.Chart` as JSON text for a `data-chart` attribute; autoescaping makes it safe there."""
    return json.dumps(chart.to_json(), separators=(",", ":")) if chart is not None else ""


@register.filter
def chart_for(charts, node_id):
    """The chart of `node_id` in an overview's {node id: chart}, or None."""
    return charts.get(node_id) if hasattr(charts, "get") else None
