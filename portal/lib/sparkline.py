"""A tiny server-side sparkline: a list of numbers in, an inline SVG out.

Only numbers (formatted here) and the fixed label passed by our own code (escaped anyway) go into the SVG, so the
markup is safe to mark as such; no upstream string ever reaches it.
"""

from __future__ import annotations

import math

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _finite(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def sparkline(values: list[float | None], *, label: str, width: int = 180, height: int = 36) -> SafeString:
    """An inline SVG polyline of `values` (None = gap) with min/max in its accessible title."""
    points = [(i, float(v)) for i, v in enumerate(values) if _finite(v)]
    title = escape(label)
    if len(points) < 2:
        return mark_safe(
            f'<svg class="sparkline" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
            f"<title>{title}: not enough samples yet</title>"
            f'<line x1="0" y1="{height / 2:.1f}" x2="{width}" y2="{height / 2:.1f}" class="sparkline-empty"/></svg>'
        )
    low = min(v for _, v in points)
    high = max(v for _, v in points)
    span = (high - low) or 1.0
    count = max(1, len(values) - 1)
    pad = 2.0

    def xy(index: int, value: float) -> str:
        x = pad + (width - 2 * pad) * index / count
        y = height - pad - (height - 2 * pad) * (value - low) / span
        return f"{x:.1f},{y:.1f}"

    segments, current, last_index = [], [], None
    for index, value in points:
        if last_index is not None and index != last_index + 1:
            segments.append(current)
            current = []
        current.append(xy(index, value))
        last_index = index
    segments.append(current)
    lines = "".join(f'<polyline points="{" ".join(seg)}"/>' for seg in segments if len(seg) > 1)
    singles = [seg[0].split(",") for seg in segments if len(seg) == 1]
    dots = "".join(f'<circle cx="{x}" cy="{y}" r="1.5"/>' for x, y in singles)
    last_x, last_y = xy(*points[-1]).split(",")
    return mark_safe(
        f'<svg class="sparkline" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>{title}: min {low:.6g}, max {high:.6g}, last {points[-1][1]:.6g}</title>"
        f'<g class="sparkline-line">{lines}{dots}</g>'
        f'<circle class="sparkline-last" cx="{last_x}" cy="{last_y}" r="2.5"/></svg>'
    )
