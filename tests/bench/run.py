"""`make bench`: the portal served as `make run` serves it, driven over HTTP under load; one table, never an assertion.

Starts the sandbox at scale (10,000 artifacts, 2,000 deployments, 2 API nodes of 50 services), an embedded Redis,
gunicorn (2 workers x 8 threads), a Celery worker (concurrency 4) and beat, in a private directory under var/ with
its own SQLite database (100,000 audit events, the demo users, 50 wall screens), then measures in turn:
- the wall feed under fifty screens polling every 5 s, and the status calls of one refresh cycle with 1 and with 50
  screens (tests.bench.wall), with the Govern calls per minute over the same window (tests.bench.govern_rate);
- the dashboard, the artifact list and /audit/ under concurrent signed-in clients (tests.bench.pages);
- a future finishing upstream to its result on the page (tests.bench.futures);
- a full refresh cycle at 20 ms per Deployer call, and an uncached artifact page against its own Govern calls made
  directly at 50 ms each (tests.bench.upstream);
- the peak RSS of the gunicorn workers and the Celery worker's processes.
It prints one table (measure, figure, target, met/missed) and writes it with every raw figure to
var/bench-results.json. Figures from one run on a shared machine are noisy: compare runs, not single numbers.

    python -m tests.bench.run                 # the full run (6 to 7.5 minutes on this shared 2-core machine)
    python -m tests.bench.run --small         # a tenth of the scale, shorter windows
    python -m tests.bench.run --smoke         # tiny, for the harness's own test (35 to 45 s here)
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from tests.bench import futures, govern_rate, pages, report, upstream, wall
from tests.bench.stack import ROOT, Scale, Stack

PRESETS = {
    "full": {"artifacts": 10_000, "deployments": 2_000, "services": 50, "audit_events": 100_000, "screens": 50,
             "refresh_seconds": 30, "wall_seconds": 60, "requests": 40, "futures": 12, "details": 10},
    "small": {"artifacts": 1_000, "deployments": 200, "services": 10, "audit_events": 10_000, "screens": 50,
              "refresh_seconds": 10, "wall_seconds": 20, "requests": 10, "futures": 4, "details": 4},
    "smoke": {"artifacts": 40, "deployments": 12, "services": 4, "audit_events": 200, "screens": 4,
              "refresh_seconds": 2, "wall_seconds": 2, "requests": 2, "futures": 1, "details": 1},
}

FUTURE_SECONDS = {"full": 2.0, "small": 2.0, "smoke": 0.5}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--small", action="store_const", const="small", dest="preset")
    size.add_argument("--smoke", action="store_const", const="smoke", dest="preset")
    parser.set_defaults(preset="full")
    for name in PRESETS["full"]:
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=None,
                            help=f"full: {PRESETS['full'][name]}")
    parser.add_argument("--clients", type=int, default=5, help="concurrent clients per page (default %(default)s)")
    parser.add_argument("--deployer-rps", type=float, default=1000.0,
                        help="the portal's Deployer budget (DEPLOYER_REQUESTS_PER_SECOND) in this run")
    parser.add_argument("--future-seconds", type=float, default=None,
                        help="how long an update's future runs (full and small: 2 s, smoke: 0.5 s)")
    parser.add_argument("--database-url", default="", help="an empty database instead of SQLite under var/")
    parser.add_argument("--redis-url", default="", help="a Redis of its own (never db 5) instead of the embedded one")
    parser.add_argument("--results", type=Path, default=ROOT / "var" / "bench-results.json")
    parser.add_argument("--keep", action="store_true", help="keep the run's directory (database, logs) under var/")
    parser.add_argument("--no-mirror", action="store_true",
                        help="skip the Govern mirror's decision-to-queue run (about 5 minutes at full scale)")
    args = parser.parse_args(argv)
    if args.future_seconds is None:
        args.future_seconds = FUTURE_SECONDS[args.preset]
    for name, value in PRESETS[args.preset].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def measure(stack: Stack, args: argparse.Namespace) -> dict:
    """Every measure in turn (each one's figures, or its error: a failed measure leaves its row "n/a")."""
    results: dict = {"errors": {}}
    steps = [
        ("warm", lambda: {"first_cycle": stack.next_cycle_end(after=0, timeout=args.refresh_seconds * 2 + 300)}),
        ("wall", lambda: wall.measure(stack, seconds=args.wall_seconds)),
        ("pages", lambda: pages.measure(stack, clients=args.clients, requests_per_client=args.requests)),
        ("future_to_page", lambda: futures.measure(stack, count=args.futures, parallel=min(4, args.futures))),
        ("refresh_at_latency", lambda: upstream.refresh_at_latency(stack)),
        ("detail_overhead", lambda: upstream.detail_overhead(stack, artifacts=args.details)),
        ("peak_rss_mb", stack.peak_rss_mb),
    ]
    for name, step in steps:
        started = time.monotonic()
        print(f"  {name} ...", end="", flush=True)
        try:
            results[name] = step()
        except Exception as exc:  # noqa: BLE001 - the table says n/a and the JSON keeps why; the bench never fails
            results["errors"][name] = f"{type(exc).__name__}: {exc}"
        results.setdefault("peak_rss_mb_after", {})[name] = stack.peak_rss_mb()  # which step raised the peak
        print(f" {time.monotonic() - started:.0f} s" + (" (failed)" if name in results["errors"] else ""), flush=True)
    window = (results.get("wall") or {}).get("govern_window")
    if window:
        results["govern_per_minute"] = govern_rate.steady_state(window)
    return results


def measure_mirror(args: argparse.Namespace, results: dict) -> None:
    """The Govern mirror's decision-to-queue time, on its own once the stack is down (not in a smoke run)."""
    if args.preset == "smoke" or args.no_mirror:
        return
    started = time.monotonic()
    print("  govern_mirror ...", end="", flush=True)
    try:
        results["govern_mirror"] = govern_rate.mirror_figures(
            artifacts=args.artifacts, open_steps=max(10, args.artifacts // 10),
            seconds=120.0 if args.preset == "full" else 60.0, decisions=10 if args.preset == "full" else 5)
    except Exception as exc:  # noqa: BLE001 - the table says n/a and the JSON keeps why; the bench never fails
        results["errors"]["govern_mirror"] = f"{type(exc).__name__}: {exc}"
    print(f" {time.monotonic() - started:.0f} s" + (" (failed)" if "govern_mirror" in results["errors"] else ""),
          flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    scale = Scale(**{f.name: getattr(args, f.name) for f in dataclasses.fields(Scale)})
    stack = Stack(scale)
    started = time.monotonic()
    print(f"bench ({args.preset}): starting the stack in {stack.work}", flush=True)
    try:
        stack.start()
        print(f"  stack up ... {time.monotonic() - started:.0f} s", flush=True)
        results = measure(stack, args)
    finally:
        stopping = time.monotonic()
        stack.stop(keep=args.keep)
        print(f"  stack stopped ... {time.monotonic() - stopping:.0f} s", flush=True)
    measure_mirror(args, results)
    results["audit_seed_s"] = stack.prepared.get("audit_seed_s")
    results["first_fill_s"] = stack.prepared.get("first_fill_s")
    results["run_seconds"] = round(time.monotonic() - started, 1)
    table = report.rows(scale, results)
    report.write(args.results, scale, table, results)
    title = (f"\nBenchmark ({args.preset}: {scale.artifacts:,} artifacts, {scale.deployments:,} deployments, "
             f"{scale.services} services per API node, {scale.audit_events:,} audit events; one run on this "
             f"machine, {results['run_seconds']:.0f} s)")
    print(report.render(table, title))
    for name, error in results["errors"].items():
        print(f"  {name} failed: {error}")
    print(f"\nwritten to {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
