"""The in-memory state of every upstream, behind one lock."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass

from sandbox.seed import DEFAULT_ARTIFACT_COUNT, DEFAULT_DEPLOYMENT_COUNT, seed_all

UPSTREAMS = ("govern", "dss", "apinode-a", "apinode-b")
APINODES = ("apinode-a", "apinode-b")


@dataclass
class Knobs:
    """Fault injection for one upstream."""

    latency_ms: float = 0.0
    error_rate: float = 0.0
    error_status: int = 503  # what the error_rate knob answers
    down: bool = False
    garbage: bool = False

    def as_dict(self) -> dict:
        """JSON view for the control API."""
        return {
            "latency_ms": self.latency_ms,
            "error_rate": self.error_rate,
            "error_status": self.error_status,
            "down": self.down,
            "garbage": self.garbage,
        }


@dataclass
class Options:
    """Start-up options (the CLI flags); ``reset`` falls back to them."""

    host: str = "127.0.0.1"
    base_port: int = 8100
    ports_file: str | None = None
    seed: int = 42
    artifacts: int = DEFAULT_ARTIFACT_COUNT
    deployments: int = DEFAULT_DEPLOYMENT_COUNT
    services: int | None = None  # per API node; None: the curated services only
    future_seconds: float = 6.0
    latency_ms: float = 0.0
    error_rate: float = 0.0
    drift: bool = False
    drift_seconds: float = 2.0
    log_requests: bool = False


class Store:
    """Everything mutable. Handlers run with ``lock`` held; so do the ticker and the control API."""

    def __init__(self, options: Options):
        self.lock = threading.RLock()
        self.options = options
        self.config: dict = {}
        self.knobs: dict[str, Knobs] = {}
        self.stats: dict[str, Counter] = {}
        self.reset()

    def default_knobs(self) -> Knobs:
        """Knobs as given on the command line."""
        return Knobs(latency_ms=self.options.latency_ms, error_rate=self.options.error_rate)

    def reset(self, seed: int | None = None, artifacts: int | None = None, deployments: int | None = None) -> None:
        """Re-seed every upstream; knobs and config back to the command-line values; stats and futures cleared."""
        with self.lock:
            self.seed = self.options.seed if seed is None else seed
            self.artifact_count = self.options.artifacts if artifacts is None else artifacts
            self.deployment_count = self.options.deployments if deployments is None else deployments
            data = seed_all(self.seed, self.artifact_count, self.deployment_count, self.options.services)
            self.govern = data["govern"]
            self.dss = data["dss"]
            self.apinodes = data["apinodes"]
            self.futures: dict[str, dict] = {}
            self.seeded_at = time.time()  # origin of the growing API node metrics
            self.drift_rng = random.Random(f"drift-{self.seed}")
            self.last_drift = time.monotonic()
            self.knobs = {name: self.default_knobs() for name in UPSTREAMS}
            self.config = {
                "future_seconds": self.options.future_seconds,
                "drift": self.options.drift,
                "drift_seconds": self.options.drift_seconds,
                "failing_bundles": [],
            }
            self.reset_stats()

    def reset_stats(self) -> None:
        """Zero the request counters."""
        with self.lock:
            self.stats = {name: Counter() for name in UPSTREAMS}

    def count(self, upstream: str, key: str) -> None:
        """Count one request against its spec template."""
        with self.lock:
            self.stats[upstream][key] += 1
