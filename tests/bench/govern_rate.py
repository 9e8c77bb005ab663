"""Govern calls per minute in steady state, counted at the sandbox while worker and beat run, and the mirror's hook.

Today's figure is what the running portal costs Govern (the sign-off index rebuilt every minute, the bundle
governance refresh), counted over the fifty-screen wall window (`tests.bench.wall`), long after the index's first
build. The budgeted Govern mirror (GOVERN_SYNC_MAX_RPS) brings its own measurement, `tests/bench/govern_mirror.py`
with `measure(...) -> dict`; `merge_govern_mirror` is where its figures join the results.
"""

from __future__ import annotations

import os

from tests.bench.stack import Stack

DEFAULT_MAX_RPS = 10.0  # GOVERN_SYNC_MAX_RPS's default, the budget the mirror keeps


def max_rps() -> float:
    """The Govern budget the row is held to: GOVERN_SYNC_MAX_RPS from the environment, else its default."""
    return float(os.environ.get("GOVERN_SYNC_MAX_RPS") or DEFAULT_MAX_RPS)


def steady_state(window: dict) -> dict:
    """The row's figures from the wall window's Govern count: calls per minute against the budget per minute."""
    return {**window, "budget_per_minute": max_rps() * 60}


def govern_mirror_figures(stack: Stack) -> dict | None:
    """HOOK for the lead: return `tests.bench.govern_mirror.measure(...)` here once that module lands (None: absent).

    Its dict is merged by `merge_govern_mirror` into the "Govern calls per minute" row's details."""
    return None


def merge_govern_mirror(row: dict, mirror: dict | None) -> dict:
    """The steady-state row with the mirror's figures under "mirror" (and its per-minute figure, when it gives one,
    as the row's figure: the mirror is what will make Govern's steady-state cost)."""
    if not mirror:
        return row
    merged = {**row, "mirror": mirror}
    if isinstance(mirror.get("per_minute"), int | float):
        merged["per_minute"] = mirror["per_minute"]
    return merged
