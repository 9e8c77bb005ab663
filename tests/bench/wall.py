"""The wall feed under fifty polling screens, and the upstream status calls a refresh cycle makes with 1 and 50 screens.

Screens open their wall page first (as a browser does: the page carries the board and its version), then poll their
token feeds with If-None-Match every 5 s, on a fixed schedule (10 requests/s for fifty), while
the sandbox drifts (two deployments change health every 2 s) and beat and the worker refresh the status cache every
DEPLOYMENT_REFRESH_SECONDS. A refresh cycle's status calls are counted at the sandbox between two cycle ends.
"""

from __future__ import annotations

import html
import re
import threading
import time

import requests

from tests.bench.load import open_loop, summary
from tests.bench.stack import Stack

ETAG = re.compile(r'data-etag="([^"]*)"')
STATUS_OP = "GET /project-deployer/deployments/{deploymentId}/status"
POLL_SECONDS = 5.0


class Screens:
    """Wall screens, each with its own connection and ETag, recording the latency of every poll."""

    def __init__(self, stack: Stack, feeds: list[str]):
        self.base = stack.base
        self.feeds = feeds
        self.sessions = [requests.Session() for _ in feeds]
        self.etags = [""] * len(feeds)
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.bodies: list[float] = []
        self.not_modified = 0
        self.failures = 0
        self.opened: list[float] = []  # page loads before polling (not polls)

    def open(self) -> None:
        """Each screen opens its wall page first, as a browser does, and polls with the page's version from then on
        (`data-etag`): the page carries the whole board, the polls only what changed since."""
        for index, feed in enumerate(self.feeds):
            started = time.perf_counter()
            page = self.sessions[index].get(self.base + feed.removesuffix("feed/"), timeout=60)
            self.opened.append((time.perf_counter() - started) * 1000)
            found = ETAG.search(page.text) if page.status_code == 200 else None
            self.etags[index] = html.unescape(found.group(1)) if found else ""

    def poller(self, index: int):
        def poll() -> None:
            headers = {"If-None-Match": self.etags[index], "X-Wall-Poll": "1"}
            started = time.perf_counter()
            try:
                response = self.sessions[index].get(self.base + self.feeds[index], headers=headers, timeout=30)
            except requests.RequestException:
                with self.lock:
                    self.failures += 1
                return
            elapsed = (time.perf_counter() - started) * 1000
            with self.lock:
                if response.status_code not in (200, 304):
                    self.failures += 1
                    return
                self.latencies.append(elapsed)
                if response.status_code == 304:
                    self.not_modified += 1
                else:
                    self.bodies.append(elapsed)
                self.etags[index] = response.headers.get("ETag", "")

        return poll

    def result(self) -> dict:
        share = self.not_modified / len(self.latencies) if self.latencies else 0.0
        return summary(self.latencies, screens=len(self.feeds), share_304=round(share, 3), failures=self.failures,
                       body=summary(self.bodies), page_load=summary(self.opened))


def status_calls(stack: Stack) -> int:
    return stack.sandbox.stats()["dss"].get(STATUS_OP, 0)


def calls_of_one_cycle(stack: Stack, timeout: float) -> dict:
    """Status calls at the sandbox from the end of one refresh cycle to the end of the next (the next one's calls)."""
    current = stack.cycle()
    if current.get("running") or not current.get("finished_at"):  # wait for this one to end (its start included)
        current = stack.next_cycle_end(after=(current.get("started_at") or 0) - 0.001, timeout=timeout)
    before = status_calls(stack)
    following = stack.next_cycle_end(after=current.get("started_at") or time.time(), timeout=timeout)
    return {"status_calls": status_calls(stack) - before if following else None,
            "cycle_seconds": following.get("duration"), "deployments": following.get("count")}


def _while_polling(stack: Stack, screens: Screens, seconds: float, timeout: float) -> tuple[dict, float]:
    """Poll with `screens` for at least `seconds` and until one whole cycle was counted; (cycle calls, seconds)."""
    stop = threading.Event()
    calls = [screens.poller(i) for i in range(len(screens.feeds))]
    thread = threading.Thread(target=open_loop, args=(calls, POLL_SECONDS, seconds + timeout * 2, stop))
    started = time.monotonic()
    thread.start()
    try:
        cycle = calls_of_one_cycle(stack, timeout)
        remaining = seconds - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)
    finally:
        stop.set()
        thread.join()
    return cycle, time.monotonic() - started


def measure(stack: Stack, *, seconds: float) -> dict:
    """One screen for a cycle, then all screens for `seconds` (and a cycle): the feed's latency, its 304 share, and
    the status calls of one cycle under each load; Govern calls are counted over the fifty-screen window."""
    feeds = stack.prepared["feeds"]
    timeout = stack.scale.refresh_seconds * 2 + 60
    stack.sandbox.config(drift=True, drift_seconds=2)
    try:
        one, _ = _while_polling(stack, Screens(stack, feeds[:1]), 0, timeout)
        screens = Screens(stack, feeds)
        screens.open()
        govern_before = sum(stack.sandbox.stats()["govern"].values())
        many, elapsed = _while_polling(stack, screens, seconds, timeout)
        govern_calls = sum(stack.sandbox.stats()["govern"].values()) - govern_before
    finally:
        stack.sandbox.config(drift=False)
    return {"feed": {**screens.result(), "seconds": round(elapsed, 1)},
            "cycle_with_1_screen": one, "cycle_with_all_screens": many,
            "govern_window": {"calls": govern_calls, "seconds": round(elapsed, 1),
                              "per_minute": round(govern_calls * 60 / elapsed, 1)}}
