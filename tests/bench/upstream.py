"""What the upstreams' latency costs: a full status refresh at 20 ms a call, and the portal's overhead on an artifact.

The refresh is beat's own cycle, run by the worker, with the sandbox adding 20 ms to every Deployer call; its
duration is the cycle record the worker writes. The overhead compares an uncached artifact page through the portal
with the very Govern calls that page made, made directly and one after the other, at 50 ms a call. While it is
measured the Celery processes are paused (SIGSTOP), so that the calls counted at the sandbox are the page's alone.
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import time
from contextlib import contextmanager

import requests

from tests.bench.load import signed_in, summary, timed_get
from tests.bench.stack import Stack, children

GOVERN_KEY = "govern-service-key"  # the sandbox's Govern service key (portal.settings' demo default)


def refresh_at_latency(stack: Stack, latency_ms: float = 20.0) -> dict:
    """Duration and Deployer calls of the first whole refresh cycle run with `latency_ms` added to each call."""
    stack.sandbox.knobs("dss", latency_ms=latency_ms)
    try:
        before = sum(stack.sandbox.stats()["dss"].values())
        cycle = stack.next_cycle_end(after=time.time(), timeout=stack.scale.refresh_seconds * 2 + 300)
        calls = sum(stack.sandbox.stats()["dss"].values()) - before
    finally:
        stack.sandbox.knobs("dss", latency_ms=0)
    return {"latency_ms": latency_ms, "cycle_seconds": cycle.get("duration"), "deployments": cycle.get("count"),
            "dss_calls_while_waiting": calls, "requests_per_second_budget": stack.scale.deployer_rps}


@contextmanager
def celery_paused(stack: Stack):
    """SIGSTOP the worker (and its pool) and beat for the block, SIGCONT after."""
    pids = [stack.procs["beat"].pid, stack.procs["worker"].pid, *children(stack.procs["worker"].pid)]
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


def _fill(template: str, params: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: params[m.group(1)], template)


def _direct(http: requests.Session, govern: str, calls: dict[str, int], params: dict[str, str]) -> float:
    """Milliseconds to make `calls` ({"GET /template": count}) to Govern directly, one after the other."""
    started = time.perf_counter()
    for op, count in calls.items():
        method, template = op.split(" ", 1)
        for _ in range(count):
            http.request(method, govern + _fill(template, params), timeout=30).raise_for_status()
    return (time.perf_counter() - started) * 1000


def detail_overhead(stack: Stack, *, artifacts: int, latency_ms: float = 50.0) -> dict:
    """For `artifacts` artifacts no page has opened: the page's time ÷ the direct time of the same Govern calls."""
    govern = stack.sandbox.url("govern")
    http = requests.Session()
    http.auth = (GOVERN_KEY, "")
    listing = http.get(govern + "/artifacts", timeout=60).json()
    step = max(1, len(listing) // (artifacts + 1))
    chosen = [listing[i * step + step // 2] for i in range(artifacts + 1)]
    session = signed_in(stack.base, "alice")  # through the login form once, as a person signs in
    portal_ms, direct_ms, ratios, calls_seen = [], [], [], {}
    stack.sandbox.knobs("govern", latency_ms=latency_ms)
    try:
        with celery_paused(stack):
            time.sleep(1.0)  # calls already on their way land before the first count
            for n, art in enumerate(chosen):
                detail = http.get(f"{govern}/artifacts/{art['id']}", timeout=30).json()
                params = {"artifactId": art["id"], "blueprintId": detail["blueprintId"],
                          "versionId": detail.get("blueprintVersionId", "")}
                before = stack.sandbox.stats()["govern"]
                elapsed, response = timed_get(session, f"{stack.base}/governance/artifacts/{art['id']}/")
                after = stack.sandbox.stats()["govern"]
                calls = {op: after[op] - before.get(op, 0) for op in after if after[op] > before.get(op, 0)}
                if n == 0 or response.status_code != 200:  # the first warms the caches every page shares
                    continue
                direct = _direct(http, govern, calls, params)
                portal_ms.append(elapsed)
                direct_ms.append(direct)
                ratios.append(elapsed / direct)
                calls_seen = calls
    finally:
        stack.sandbox.knobs("govern", latency_ms=0)
    return {"latency_ms": latency_ms, "portal": summary(portal_ms), "direct": summary(direct_ms),
            "ratio_median": round(statistics.median(ratios), 2) if ratios else None,
            "ratio_p95": round(sorted(ratios)[max(0, int(len(ratios) * 0.95 + 0.999999) - 1)], 2) if ratios else None,
            "govern_calls_per_page": calls_seen}
