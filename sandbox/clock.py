"""Wall-clock time as every upstream stamps it: epoch milliseconds."""

from __future__ import annotations

import time


def now_ms() -> int:
    """Current time in epoch milliseconds."""
    return int(time.time() * 1000)
