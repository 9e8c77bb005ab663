"""Benchmark of the Govern mirror's reader at scale: Govern calls per minute in steady state at the default budget,
and how long a decision made directly in Govern takes to reach the queue. Measures, never asserts.

Against a sandbox seeded with `artifacts` artifacts of which `open_steps` sign-off steps are undecided (the sandbox's
`govern/open-steps` knob), over real HTTP, with a real (embedded) Redis and SQLite:
1. the mirror is filled once without a budget (the first sync of an empty mirror; timed, not part of the figures);
2. the reader then runs as beat drives it (one sweep per GOVERN_SYNC_TICK_SECONDS, in a thread of this process),
   at GOVERN_SYNC_MAX_RPS (default 10); after one revisit interval of warm-up, the sandbox counts the Govern calls
   over `seconds`;
3. meanwhile `decisions` open steps are rejected directly in Govern (a person's own key), spread over the first half
   of the window; each one's latency is the time until the step is no longer open in its mirror row (what the queue
   is built from). A decision not seen by the end of the window plus `grace` counts as not reached.

Usage: python -m tests.bench.govern_mirror [--artifacts N] [--open-steps N] [--seconds S] [--decisions N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

DEFAULT_SECONDS = 120.0


def _setup_django(var_dir: Path) -> None:
    """Django for this process: test settings, its own SQLite, Redis key space and runtime directory."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.test_settings"
    os.environ["PORTAL_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{var_dir / 'bench.sqlite3'}")
    os.environ["CACHE_KEY_PREFIX"] = f"bench-mirror-{os.getpid()}"
    os.environ.setdefault("PORTAL_LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _p95(samples: list[float]) -> float | None:
    if not samples:
        return None
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, max(0, int(round(len(ordered) * 0.95)) - 1))], 1)


def _run(sandbox, artifacts: int, open_steps: int, seconds: float, decisions: int, grace: float,
         budget: float) -> dict:
    from django.conf import settings
    from django.db import connections

    from govern_ui.client import GovernClient
    from govern_ui.mirror import read, sweep
    from govern_ui.models import MirroredArtifact
    from portal.lib.upstream import client_options

    results: dict = {"artifacts": artifacts, "open_steps": sandbox.keep_open_steps(open_steps)["open"],
                     "budget_rps": budget, "tick_seconds": settings.GOVERN_SYNC_TICK_SECONDS}

    # 1. The first sync of the empty mirror, unbudgeted.
    settings.GOVERN_SYNC_MAX_RPS = 100_000.0
    started = time.monotonic()
    sandbox.reset_stats()
    while True:
        done = sweep.sweep(seconds=600)
        if done.error:
            raise RuntimeError(f"Govern could not be read: {done.error}")
        if done.due_left == 0:
            break
    results["first_sync_seconds"] = round(time.monotonic() - started, 1)
    results["first_sync_govern_calls"] = sum(sandbox.stats()["govern"].values())
    results["artifacts_with_open_steps"] = MirroredArtifact.objects.with_open_steps().count()

    # 2. Steady state at the budget, driven like beat.
    settings.GOVERN_SYNC_MAX_RPS = budget
    stop = threading.Event()
    ticks: list = []

    def beat() -> None:
        try:
            while not stop.is_set():
                tick = time.monotonic()
                ticks.append(sweep.sweep())
                stop.wait(max(0.0, settings.GOVERN_SYNC_TICK_SECONDS - (time.monotonic() - tick)))
        finally:
            connections.close_all()

    snapshot = read.snapshot()
    targets = []
    for entry in snapshot.artifacts.values():
        step = next((s for s in entry.steps if s.status in ("NOT_STARTED", "IN_PROGRESS")), None)
        if step is not None:
            targets.append((step.artifact_id, step.step_id))
    stride = max(1, len(targets) // max(1, decisions))
    targets = targets[::stride][:decisions]
    person = GovernClient(**{**client_options(settings.GOVERN), "api_key": "govern-key-heidi"})

    reader = threading.Thread(target=beat, name="mirror-beat", daemon=True)
    reader.start()
    # Warm up: the first sync read the undecided artifacts one after another; one revisit interval later their
    # visits are spread as in steady state.
    time.sleep(settings.GOVERN_SYNC_OPEN_SECONDS + settings.GOVERN_SYNC_TICK_SECONDS)
    sandbox.reset_stats()
    sweeps_before = len(ticks)
    window_start = time.monotonic()
    decided: dict[tuple[str, str], float] = {}
    seen: dict[tuple[str, str], float] = {}
    gap = (seconds / 2) / max(1, len(targets))
    next_decision = window_start + 5.0
    calls_at_end = None
    while True:
        now = time.monotonic()
        if targets and now >= next_decision:
            target = targets.pop(0)
            try:
                person.add_review(*target, "REJECTED", "bench: decided directly in Govern")
                decided[target] = time.monotonic()
            except Exception as exc:  # noqa: BLE001 - a step someone else decided: skip it, the bench goes on
                results.setdefault("skipped_decisions", []).append(f"{target}: {exc}")
            next_decision = now + gap
        waiting = [t for t in decided if t not in seen]
        if waiting:
            # The queue is built from these rows: a step no longer open in its row is out of the queue.
            rows = dict(MirroredArtifact.objects.filter(artifact_id__in={a for a, _ in waiting})
                        .values_list("artifact_id", "sign_offs"))
            for art, step in waiting:
                status = next((s["status"] for s in rows.get(art, []) if s["stepId"] == step), "")
                if status not in ("NOT_STARTED", "IN_PROGRESS", "DELEGATED"):
                    seen[(art, step)] = time.monotonic() - decided[(art, step)]
        if calls_at_end is None and now - window_start >= seconds:
            calls_at_end = sum(sandbox.stats()["govern"].values())
            window = now - window_start
            sweeps_in_window = ticks[sweeps_before:]
        if calls_at_end is not None and (len(seen) == len(decided) and not targets or
                                         now - window_start >= seconds + grace):
            break
        time.sleep(0.5)
    stop.set()
    reader.join(timeout=settings.GOVERN_SYNC_TICK_SECONDS + 30)

    latencies = sorted(seen.values())
    results.update({
        "steady_seconds": round(window, 1),
        "govern_calls_per_minute": round(calls_at_end * 60 / window, 1),
        "per_minute": round(calls_at_end * 60 / window, 1),  # the name tests.bench.govern_rate merges
        "budget_calls_per_minute": round(budget * 60, 1),
        "decisions": len(decided),
        "decisions_reached_queue": len(seen),
        "decision_to_queue_p50_s": round(latencies[len(latencies) // 2], 1) if latencies else None,
        "decision_to_queue_p95_s": _p95(latencies),
        "decision_to_queue_max_s": round(latencies[-1], 1) if latencies else None,
        "mirror_lag_s_at_end": round(read.lag_seconds() or 0, 1),
        "sweeps": len(sweeps_in_window),
        "sweeps_ending_with_work_due": sum(1 for t in sweeps_in_window if t is not None and t.due_left),
    })
    return results


def measure(artifacts: int = 10_000, open_steps: int = 1_000, seconds: float = DEFAULT_SECONDS, *,
            decisions: int = 10, grace: float = 150.0) -> dict:
    """Run the benchmark (see the module) and return its figures: `govern_calls_per_minute` in steady state and
    `decision_to_queue_p95_s` (with p50, max, counts, and the first sync's time and calls). Raises RuntimeError when
    the sandbox or Govern cannot be used."""
    var_dir = ROOT / "var" / f"bench-mirror-{os.getpid()}"
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ.pop("GOVERN_SYNC_MAX_RPS", None)
    _setup_django(var_dir)

    from django.conf import settings
    from django.core.management import call_command

    from portal import embedded_redis
    from portal.lib import upstream
    from tests.sandbox_process import SandboxProcess

    budget = float(os.environ.get("BENCH_GOVERN_SYNC_MAX_RPS", 10.0))  # the setting's production default
    redis_proc = None
    if settings.EMBEDDED_REDIS and not embedded_redis.is_up(settings.EMBEDDED_REDIS_SOCKET):
        redis_proc = embedded_redis.start(settings.EMBEDDED_REDIS_SOCKET)
    sandbox = SandboxProcess(artifacts=artifacts, deployments=14)
    try:
        sandbox.start()
        settings.GOVERN["url"] = sandbox.url("govern")
        upstream.reset_clients()
        call_command("migrate", verbosity=0)
        return _run(sandbox, artifacts, open_steps, seconds, decisions, grace, budget)
    finally:
        sandbox.stop()
        if redis_proc is not None:
            embedded_redis.stop(redis_proc)
        shutil.rmtree(var_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=int, default=10_000)
    parser.add_argument("--open-steps", type=int, default=1_000)
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS)
    parser.add_argument("--decisions", type=int, default=10)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench-govern-mirror.json")
    args = parser.parse_args()
    results = measure(args.artifacts, args.open_steps, args.seconds, decisions=args.decisions)
    out = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
