"""Upstream values as people read them: counts, rates, percentages, durations, labels for upstream keys, and why a
node's health is what it is.

Pure functions on plain values (no Django, no upstream call), so that pages, chart summaries and the chart JSON all
say the same thing in the same words. Every result is plain text: templates escape it like any other value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

NONE = "—"

# Health detail keys that describe the node rather than explain its health (shown on the node page, never as a
# reason). Compared in lower case without separators.
INFORMATIONAL_DETAILS = frozenset({"node", "nodeid", "name", "host", "hostname", "version", "dssversion", "uptime",
                                   "startedat", "starttime", "since", "timestamp"})
# Detail values that mean "this part is fine".
FINE_VALUES = frozenset({"ok", "up", "healthy", "green", "pass", "passed", "good", "running", "none", "normal"})
# A few upstream keys whose words alone read badly.
LABELS = {"disabledServices": "Disabled services"}
ACRONYMS = {"api": "API", "cpu": "CPU", "jvm": "JVM", "gc": "GC", "url": "URL", "ssl": "SSL", "tls": "TLS"}


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def count(value: Any) -> str:
    """895857 → "895,857"; 1234.6 → "1,235"; None → "—"."""
    if not _finite(value):
        return NONE
    return f"{round(value):,}"


def _short(value: float) -> str:
    """A number in at most three significant digits, with k or M: 12 → "12", 1234 → "1.2 k", 2.5e6 → "2.5 M"."""
    value = float(f"{value:.3g}")  # 999.7 is "1 k", not "1000"
    magnitude = abs(value)
    for factor, suffix in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if magnitude >= factor:
            scaled = value / factor
            return f"{scaled:.0f}{suffix}" if abs(scaled) >= 100 else f"{scaled:.1f}{suffix}".replace(".0 ", " ")
    if magnitude >= 100 or value == 0:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}".removesuffix(".0")
    return f"{value:.2f}".rstrip("0").rstrip(".") if magnitude >= 0.01 else "<0.01"


def per_minute(value: Any) -> str:
    """Requests per minute: 1234 → "1.2 k/min", 85 → "85/min", 0.5 → "0.5/min"."""
    return f"{_short(float(value))}/min" if _finite(value) else NONE


def percent(value: Any) -> str:
    """A percentage (already × 100): 0.4213 → "0.42%", 3.14159 → "3.1%", 42 → "42%"."""
    if not _finite(value):
        return NONE
    if value == 0:
        return "0%"
    if abs(value) < 0.01:
        return "<0.01%"
    if abs(value) < 1:
        return f"{value:.2f}%"
    if abs(value) < 10:
        return f"{value:.1f}%".replace(".0%", "%")
    return f"{value:.0f}%"


def milliseconds(value: Any) -> str:
    """A latency: 23.456 → "23.5 ms", 0.42 → "0.42 ms", 1530 → "1.53 s"."""
    if not _finite(value):
        return NONE
    if abs(value) >= 1000:
        return f"{value / 1000:.3g} s"
    if abs(value) >= 100:
        return f"{value:.0f} ms"
    if abs(value) >= 1:
        return f"{value:.1f} ms".replace(".0 ", " ")
    return f"{value:.2f} ms"


def label(key: Any) -> str:
    """An upstream key as words: "disabledServices" → "Disabled services", "memory_used" → "Memory used"."""
    key = str(key)
    if key in LABELS:
        return LABELS[key]
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|[_\-.\s]+", " ", key).split()
    if not words:
        return key
    text = " ".join(ACRONYMS.get(w.lower(), w if w.isupper() and len(w) > 1 else w.lower()) for w in words)
    return text[0].upper() + text[1:]


def value_text(value: Any) -> str:
    """A health detail value as text: lists joined with commas, booleans as yes/no, objects as "key: value"."""
    if value is None or value == "" or value == [] or value == {}:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if _finite(value):
        return f"{value:,}" if isinstance(value, int) else f"{value:,.4g}"
    if isinstance(value, list | tuple):
        return ", ".join(value_text(item) for item in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{label(k)}: {value_text(v)}" for k, v in value.items())
    return str(value)


def detail_rows(details: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Every health detail as (label, text), in the node's order."""
    return [(label(key), value_text(value)) for key, value in (details or {}).items()]


def _squash(key: str) -> str:
    return re.sub(r"[\W_]+", "", key).lower()


def _explains(key: str, value: Any) -> bool:
    if _squash(key) in INFORMATIONAL_DETAILS:
        return False
    if value is None or value is True or value in ("", [], {}):
        return False
    return not (isinstance(value, str) and value.strip().lower() in FINE_VALUES)


def health_reasons(status: str, details: Mapping[str, Any] | None) -> list[str]:
    """Why a node is not HEALTHY, from its health details: each detail that is neither informational (node, version)
    nor fine ("OK", an empty list), as "Label: value". [] for a healthy node (or no status yet); a node that is not
    healthy and says nothing gets one line saying so, so that a DEGRADED chip is never shown without a why."""
    if not status or status.upper() in ("HEALTHY", "LOADING"):
        return []
    reasons = [f"{label(key)}: {value_text(value)}" for key, value in (details or {}).items() if _explains(key, value)]
    return reasons or ["The node reported no reason."]
