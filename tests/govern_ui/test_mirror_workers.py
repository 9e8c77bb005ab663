"""The Govern mirror's reader run by real Celery workers (tasks sent by name through the real Redis broker): its
request budget holds across workers, counted at the sandbox over a timed window, and a decision made directly in
Govern reaches the queue by the workers' sweeps alone."""

from __future__ import annotations

import re
import threading
import time

from django.test import Client
from django.utils import timezone

from govern_ui.models import MirroredArtifact
from portal import tasknames
from portal.lib.ratelimit import SharedBucket
from portal.lib.tasks import send_now
from sandbox.seed import HOSTILE_ARTIFACT
from tests.govern_ui.helpers import fill_mirror, reject_in_govern

ROW = re.compile(r'data-testid="queue-row" data-artifact="([^"]+)" data-step="([^"]+)"')
RATE = 5


def _govern_calls(sandbox) -> int:
    return sum(sandbox.stats().get("govern", {}).values())


def test_one_shared_bucket_holds_its_rate_for_every_taker(db):
    takers = [SharedBucket("test-shared", RATE) for _ in range(3)]  # as three processes would each build one
    granted: list[float] = []
    stop = time.monotonic() + 3.0

    def take(bucket: SharedBucket) -> None:
        while time.monotonic() < stop:
            if bucket.acquire(timeout=max(0.0, stop - time.monotonic())):
                granted.append(time.monotonic())

    threads = [threading.Thread(target=take, args=(b,)) for b in takers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert RATE * 3 - 2 <= len(granted) <= RATE * 3 + 1


def test_two_workers_sweeping_keep_to_the_govern_budget(celery_worker_factory, sandbox, monkeypatch):
    fill_mirror()  # in-process, unbudgeted (test settings): the workers then only revisit
    # Every artifact due at every moment: the reader always has more to do than its budget allows.
    for name, value in {"GOVERN_SYNC_MAX_RPS": RATE, "GOVERN_SYNC_OPEN_SECONDS": 0, "GOVERN_SYNC_DECIDED_SECONDS": 0,
                        "GOVERN_SYNC_TICK_SECONDS": 2}.items():
        monkeypatch.setenv(name, str(value))
    workers = [celery_worker_factory("w1"), celery_worker_factory("w2")]
    MirroredArtifact.objects.update(next_visit_at=timezone.now())
    sandbox.reset_stats()
    started = time.monotonic()
    while time.monotonic() - started < 8.0:
        send_now(tasknames.SYNC_GOVERN_MIRROR)  # beat's ticks, faster than beat would send them
        time.sleep(0.25)
    calls, window = _govern_calls(sandbox), time.monotonic() - started
    assert calls <= RATE * window + 3, f"{calls} Govern calls in {window:.1f} s over a budget of {RATE}/s"
    assert calls >= RATE * window * 0.5, f"only {calls} calls in {window:.1f} s: the reader was idle"
    time.sleep(3)  # the sweep still running finishes and is logged
    logs = [w.log_path.read_text() for w in workers]
    assert all("sync_govern_mirror" in log and "succeeded" in log for log in logs), "both workers took ticks"
    sweeps = [int(n) for log in logs
              for n in re.findall(r"sync_govern_mirror\[[^\]]+\] succeeded in [\d.e-]+s: \{'calls': (\d+)", log)]
    # One sweep at a time (the lock): a tick that finds one running returns at once, whichever worker took it.
    assert len([n for n in sweeps if n > 0]) >= 3


def test_a_decision_made_directly_in_govern_reaches_the_queue_through_a_worker(
        celery_worker_factory, sandbox, reviewer2, monkeypatch, settings):
    settings.GOVERN_SYNC_OPEN_SECONDS = 1  # the in-process fill schedules as the worker will
    fill_mirror()
    bob = Client()
    bob.force_login(reviewer2)
    rows = ROW.findall(bob.get("/governance/queue/?tab=all").content.decode())
    art, step = next((a, s) for a, s in rows if a != HOSTILE_ARTIFACT)
    monkeypatch.setenv("GOVERN_SYNC_OPEN_SECONDS", "1")
    celery_worker_factory("w1")
    reject_in_govern(art, step, "decided in Govern")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        send_now(tasknames.SYNC_GOVERN_MIRROR)
        time.sleep(1.0)
        if (art, step) not in ROW.findall(bob.get("/governance/queue/?tab=all").content.decode()):
            break
    else:
        raise AssertionError("the decision made in Govern never left the queue")

