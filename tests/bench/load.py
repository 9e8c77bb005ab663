"""The load generator: signed-in HTTP sessions, closed-loop concurrent clients, open-loop schedules, percentiles."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import requests

DEMO_PASSWORD = "portal-demo"  # portal.demo.DEMO_PASSWORD: `manage.py seed_demo`'s users
TIMEOUT = 30


def signed_in(base: str, username: str) -> requests.Session:
    """A session signed in through the login form, as a browser would (CSRF cookie, then the POST)."""
    session = requests.Session()
    session.get(f"{base}/login/", timeout=TIMEOUT)
    response = session.post(f"{base}/login/", timeout=TIMEOUT, allow_redirects=False, data={
        "username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
        "next": "/"})
    if response.status_code != 302:
        raise RuntimeError(f"signing in as {username} answered {response.status_code}")
    return session


def session_of(base: str, key: str) -> requests.Session:
    """A client holding a session the bench's preparation signed in (no password hash to compute per client)."""
    session = requests.Session()
    session.cookies.set("sessionid", key, domain=urlsplit(base).hostname, path="/")
    return session


def percentile(samples: list[float], share: float) -> float:
    """The nearest-rank percentile (0 for no samples)."""
    ordered = sorted(samples)
    return round(ordered[max(0, int(len(ordered) * share + 0.999999) - 1)], 1) if ordered else 0.0


def summary(samples_ms: list[float], **extra) -> dict:
    """Median, p95 and count of latencies in milliseconds, with `extra` fields."""
    return {"n": len(samples_ms), "median_ms": round(statistics.median(samples_ms), 1) if samples_ms else 0.0,
            "p95_ms": percentile(samples_ms, 0.95), "max_ms": round(max(samples_ms, default=0.0), 1), **extra}


def timed_get(session: requests.Session, url: str, **kwargs) -> tuple[float, requests.Response]:
    """(milliseconds, response) of one GET, the body read."""
    started = time.perf_counter()
    response = session.get(url, timeout=TIMEOUT, **kwargs)
    return (time.perf_counter() - started) * 1000, response


def closed_loop(sessions: list[requests.Session], urls: list[str], requests_per_client: int) -> dict:
    """Each session is one client sending `requests_per_client` GETs back to back, cycling through `urls`, all
    clients at once. Latencies of the 200s (summary) and the count of other answers (`errors`)."""
    lock = threading.Lock()
    samples: list[float] = []
    by_url: dict[str, list[float]] = {url: [] for url in urls}
    errors: list[int] = []

    def client(index: int) -> None:
        session = sessions[index]
        for n in range(requests_per_client):
            url = urls[(index + n * len(sessions)) % len(urls)]
            elapsed, response = timed_get(session, url)
            with lock:
                if response.status_code == 200:
                    samples.append(elapsed)
                    by_url[url].append(elapsed)
                else:
                    errors.append(response.status_code)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        list(pool.map(client, range(len(sessions))))
    seconds = time.perf_counter() - started
    return summary(samples, clients=len(sessions), errors=len(errors),
                   requests_per_second=round((len(samples) + len(errors)) / seconds, 1),
                   by_url={url.split("//", 1)[-1].split("/", 1)[-1]: summary(times) for url, times in by_url.items()})


def open_loop(calls: list[Callable[[], None]], period: float, seconds: float, stop: threading.Event | None = None,
              threads: int = 16) -> int:
    """Call `calls` round-robin on a fixed schedule (len(calls) per `period` seconds) for `seconds` or until `stop`,
    each on a pool thread so that a slow answer never delays the next one (as independent screens would). Returns
    the number of calls made."""
    step = period / len(calls)
    started = time.monotonic()
    tick = 0
    with ThreadPoolExecutor(max_workers=threads) as pool:
        while time.monotonic() - started < seconds and not (stop and stop.is_set()):
            delay = started + tick * step - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(calls[tick % len(calls)])
            tick += 1
    return tick
