"""The one table: each measure with its figure, target and met/missed, printed and written as JSON."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from tests.bench.stack import Scale

# The measures in the table's order (the smoke test checks that each has its row).
MEASURES = ("wall_feed", "dashboard", "artifacts", "audit", "status_calls", "refresh_at_latency", "future_to_page",
            "detail_overhead", "govern_per_minute", "decision_to_queue", "peak_rss")


def _row(key: str, measure: str, figure: str, target: str, met: bool | None) -> dict:
    return {"key": key, "measure": measure, "figure": figure, "target": target,
            "met": "n/a" if met is None else ("met" if met else "missed")}


def _within(value, limit) -> bool | None:
    return None if value is None else value <= limit


def _page_row(key: str, label: str, page: dict | None, limit: float) -> dict:
    if not page:
        return _row(key, label, "n/a", f"p95 ≤ {limit:.0f} ms", None)
    return _row(key, label, f"p95 {page['p95_ms']} ms, median {page['median_ms']} ms ({page['n']} req)",
                f"p95 ≤ {limit:.0f} ms", page["p95_ms"] <= limit)


def rows(scale: Scale, results: dict) -> list[dict]:
    """The table's rows from `results` (a missing part gives "n/a", never an error)."""
    wall = results.get("wall") or {}
    feed = wall.get("feed")
    pages = results.get("pages") or {}
    one, many = (wall.get("cycle_with_1_screen") or {}), (wall.get("cycle_with_all_screens") or {})
    refresh = results.get("refresh_at_latency") or {}
    future = results.get("future_to_page")
    overhead = results.get("detail_overhead") or {}
    govern = results.get("govern_per_minute") or {}
    rss = results.get("peak_rss_mb") or {}
    mirror = results.get("govern_mirror") or {}
    screens = feed["screens"] if feed else scale.screens
    table = [
        _row("wall_feed", f"wall feed, {screens} screens polling every 5 s ({screens / 5:.0f} requests/s)",
             f"p95 {feed['p95_ms']} ms, median {feed['median_ms']} ms, {feed['share_304']:.0%} answered 304 "
             f"({feed['n']} polls)" if feed else "n/a",
             "p95 ≤ 50 ms; share answered 304", feed["p95_ms"] <= 50 if feed else None),
        _page_row("dashboard", f"deployments dashboard at {scale.deployments:,} deployments, "
                               f"{(pages.get('dashboard') or {}).get('clients', '?')} concurrent clients",
                  pages.get("dashboard"), 250),
        _page_row("artifacts", f"artifacts list page, {scale.artifacts:,} artifacts, "
                               f"{(pages.get('artifacts') or {}).get('clients', '?')} concurrent clients",
                  pages.get("artifacts"), 150),
        _page_row("audit", f"/audit/ at {scale.audit_events:,} events, "
                           f"{(pages.get('audit') or {}).get('clients', '?')} concurrent clients",
                  pages.get("audit"), 150),
        _row("status_calls", f"upstream status calls per refresh cycle with 1 and with {screens} polling screens",
             f"{one.get('status_calls')} / {many.get('status_calls')}", "equal",
             None if one.get("status_calls") is None or many.get("status_calls") is None
             else one["status_calls"] == many["status_calls"]),
        _row("refresh_at_latency", f"full status refresh of {scale.deployments:,} deployments at "
                                   f"{refresh.get('latency_ms', 20):.0f} ms injected latency",
             f"{refresh['cycle_seconds']} s (budget {refresh['requests_per_second_budget']:.0f} req/s)"
             if refresh.get("cycle_seconds") is not None else "n/a",
             "≤ 10 s", _within(refresh.get("cycle_seconds"), 10)),
        _row("future_to_page", "a future finishing upstream → its result on the page",
             f"p95 {future['p95_ms'] / 1000:.2f} s, median {future['median_ms'] / 1000:.2f} s ({future['n']} updates)"
             if future and future["n"] else "n/a",
             "p95 ≤ 2 s", future["p95_ms"] <= 2000 if future and future["n"] else None),
        _row("detail_overhead", f"uncached artifact detail through the portal ÷ the same upstream calls made directly, "
                                f"{overhead.get('latency_ms', 50):.0f} ms injected latency",
             f"{overhead['ratio_median']} median, {overhead['ratio_p95']} p95 ({overhead['portal']['median_ms']} ms / "
             f"{overhead['direct']['median_ms']} ms)" if overhead.get("ratio_median") is not None else "n/a",
             "≤ 1.3", _within(overhead.get("ratio_median"), 1.3)),
        _row("govern_per_minute", f"Govern calls per minute in steady state at {scale.artifacts:,} artifacts",
             f"{govern['per_minute']:,.0f}/min over {govern['seconds']:.0f} s" if govern else "n/a",
             f"within GOVERN_SYNC_MAX_RPS ({govern.get('budget_per_minute', 600):,.0f}/min)",
             _within(govern.get("per_minute"), govern.get("budget_per_minute", 600))),
        _row("decision_to_queue", "a decision made directly in Govern → off the reviewer's queue, default budget",
             f"p95 {mirror['decision_to_queue_p95_s']:.0f} s, median {mirror['decision_to_queue_p50_s']:.0f} s "
             f"({mirror['decisions_reached_queue']} of {mirror['decisions']} decisions; {mirror['artifacts']:,} "
             f"artifacts, {mirror['artifacts_with_open_steps']:,} with open steps)"
             if mirror.get("decision_to_queue_p95_s") is not None else "n/a",
             "p95 ≤ 120 s", _within(mirror.get("decision_to_queue_p95_s"), 120)),
        _row("peak_rss", "peak RSS of a gunicorn worker / of a Celery worker process",
             f"{rss['gunicorn_worker']} MB / {rss['celery_worker']} MB" if rss else "n/a", "≤ 150 MB / ≤ 200 MB",
             rss["gunicorn_worker"] <= 150 and rss["celery_worker"] <= 200 if rss else None),
    ]
    return table


def render(table: list[dict], title: str) -> str:
    """The table as aligned text."""
    headers = ("measure", "figure", "target", "met")
    cells = [headers] + [(r["measure"], r["figure"], r["target"], r["met"]) for r in table]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    line = "  ".join("-" * w for w in widths)
    text = [title, line] + ["  ".join(c[i].ljust(widths[i]) for i in range(4)).rstrip() for c in cells[:1]] + [line]
    text += ["  ".join(c[i].ljust(widths[i]) for i in range(4)).rstrip() for c in cells[1:]] + [line]
    return "\n".join(text)


def write(path: Path, scale: Scale, table: list[dict], results: dict) -> None:
    """The table and every raw figure behind it, as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"scale": dataclasses.asdict(scale), "table": table, "details": results}, indent=2,
                               default=str))
