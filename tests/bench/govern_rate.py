"""Govern calls per minute in steady state, counted at the sandbox while worker and beat run, and the mirror's hook.

The steady-state figure is what the running stack costs Govern (the budgeted Govern mirror's sweeps, the bundle
governance refresh), counted at the sandbox over the fifty-screen wall window (`tests.bench.wall`). The time for a
decision made directly in Govern to leave the reviewer's queue comes from `tests.bench.govern_mirror`, run on its own
(`mirror_figures`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.bench.stack import ROOT

DEFAULT_MAX_RPS = 10.0  # GOVERN_SYNC_MAX_RPS's default, the budget the mirror keeps


def max_rps() -> float:
    """The Govern budget the row is held to: GOVERN_SYNC_MAX_RPS from the environment, else its default."""
    return float(os.environ.get("GOVERN_SYNC_MAX_RPS") or DEFAULT_MAX_RPS)


def steady_state(window: dict) -> dict:
    """The row's figures from the wall window's Govern count: calls per minute against the budget per minute."""
    return {**window, "budget_per_minute": max_rps() * 60}


def mirror_figures(*, artifacts: int, open_steps: int, seconds: float, decisions: int) -> dict:
    """`tests.bench.govern_mirror` in a process of its own (it sets Django up itself, on its own sandbox, embedded
    Redis and SQLite, with the reader at its default budget), after the stack has stopped so the two do not share the
    cores. Returns its figures (`decision_to_queue_p95_s`, `govern_calls_per_minute`, ...). Raises RuntimeError when
    it fails."""
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "mirror.json"
        done = subprocess.run(
            [sys.executable, "-m", "tests.bench.govern_mirror", "--artifacts", str(artifacts), "--open-steps",
             str(open_steps), "--seconds", str(seconds), "--decisions", str(decisions), "--out", str(out)],
            cwd=ROOT, capture_output=True, text=True, timeout=seconds + 900, check=False,
        )
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"govern_mirror exited {done.returncode}: {done.stderr[-500:]}")
        return json.loads(out.read_text())
