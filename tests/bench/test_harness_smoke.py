"""`make bench` at a tiny scale, so the harness cannot rot: every row is printed and the results JSON is written.

Timings are never asserted (they are the bench's to report, on a shared machine): only that the harness runs end to
end through the real server, worker and beat and fills its table.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench.report import MEASURES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.worker
def test_the_bench_prints_every_row_and_writes_its_results(tmp_path):
    results = tmp_path / "bench-results.json"
    done = subprocess.run([sys.executable, "-m", "tests.bench.run", "--smoke", "--results", str(results)],
                          cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    written = json.loads(results.read_text())
    assert [row["key"] for row in written["table"]] == list(MEASURES)
    for row in written["table"]:
        assert row["measure"] in done.stdout
        assert row["met"] in ("met", "missed", "n/a")
    assert not written["details"]["errors"], written["details"]["errors"]
