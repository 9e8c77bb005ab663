"""The portal under test as `make run` serves it: embedded Redis, the sandbox at scale, gunicorn, Celery worker, beat.

Everything lives in a private directory under var/ (its SQLite database, Redis socket, beat schedule and the
processes' logs), so a bench never touches a running demo or test suite. The processes are started with the flags
`manage.py rundemo` gives them (gunicorn 2 workers x 8 threads, a worker of concurrency 4, beat).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis
import requests

from portal import embedded_redis
from tests.sandbox_process import SandboxProcess

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CYCLE_KEY = "deployer:v2:cycle"  # deployer_ui.status_cache: the refresh cycle's record


@dataclass
class Scale:
    """What the stack is seeded with and how its background work is paced."""

    artifacts: int = 10_000
    deployments: int = 2_000
    services: int = 50
    audit_events: int = 100_000
    screens: int = 50
    refresh_seconds: int = 30
    deployer_rps: float = 1000.0
    future_seconds: float = 2.0
    database_url: str = ""
    redis_url: str = ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    """Start with `start()`, stop with `stop()`; `base` is the portal's URL and `sandbox` the upstreams' control."""

    scale: Scale
    work: Path = field(default_factory=lambda: ROOT / "var" / f"bench-{os.getpid()}")
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    prepared: dict = field(default_factory=dict)

    def __post_init__(self):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.prefix = f"bench-{os.getpid()}"
        self.sandbox = SandboxProcess(artifacts=self.scale.artifacts, deployments=self.scale.deployments,
                                      services=self.scale.services, future_seconds=self.scale.future_seconds)
        self.redis_url = self.scale.redis_url or f"unix://{self.work / 'redis.sock'}?db=0"

    def env(self) -> dict[str, str]:
        """The environment every portal process gets (as `make run` would, pointed at this run's sandbox)."""
        sb = self.sandbox
        env = {
            **os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_VAR_DIR": str(self.work),
            "DATABASE_URL": self.scale.database_url or f"sqlite:///{self.work / 'bench.sqlite3'}",
            "CACHE_KEY_PREFIX": self.prefix, "GOVERN_URL": sb.url("govern"), "DSS_URL": sb.url("dss"),
            "API_NODES": f"apinode-a={sb.url('apinode-a')},apinode-b={sb.url('apinode-b')}",
            "DEPLOYMENT_REFRESH_SECONDS": str(self.scale.refresh_seconds),
            "DEPLOYER_REQUESTS_PER_SECOND": str(self.scale.deployer_rps),
            "PORTAL_API_USER_PER_MINUTE": "1000000", "PORTAL_LOG_LEVEL": "WARNING",
            "PORTAL_MANIFEST_STATIC": "false", "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        if self.scale.redis_url:
            env["REDIS_URL"] = self.scale.redis_url
        else:
            env.pop("REDIS_URL", None)
        env.pop("CELERY_BROKER_URL", None)
        return env

    def _spawn(self, name: str, command: list[str]) -> None:
        log = open(self.work / f"{name}.log", "wb")  # noqa: SIM115 - handed to the child
        self.procs[name] = subprocess.Popen(command, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT)

    def start(self) -> Stack:
        """Sandbox and Redis, then the Django side (migrate, users, audit events, screens), then web, worker, beat."""
        self.work.mkdir(parents=True, exist_ok=True)
        self.sandbox.start()
        if not self.scale.redis_url:
            self.procs["redis"] = embedded_redis.start(self.work / "redis.sock")
        done = subprocess.run([sys.executable, "-m", "tests.bench.prepare", "--audit-events",
                               str(self.scale.audit_events), "--screens", str(self.scale.screens)],
                              cwd=ROOT, capture_output=True, text=True, timeout=900,
                              # The first fill only: the worker's later refreshes keep the portal's Govern budget.
                              env={**self.env(), "GOVERN_BUNDLE_REQUESTS_PER_SECOND": "1000"})
        if done.returncode != 0:
            raise RuntimeError(f"bench preparation failed:\n{done.stderr[-4000:]}")
        self.prepared = json.loads(done.stdout.strip().splitlines()[-1])
        self._spawn("web", [str(BIN / "gunicorn"), "portal.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
                            "--threads", "8", "--timeout", "30", "--access-logfile", "-"])
        self._spawn("worker", [str(BIN / "celery"), "-A", "portal", "worker", "--loglevel", "WARNING",
                               "--concurrency", "4"])
        self._spawn("beat", [str(BIN / "celery"), "-A", "portal", "beat", "--loglevel", "WARNING", "--schedule",
                             str(self.work / "celerybeat-schedule")])
        self._wait_until_up()
        return self

    def _wait_until_up(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}: see {self.work / (name + '.log')}")
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the portal did not answer within {timeout:.0f} s")

    # -- what the worker wrote ---------------------------------------------------------------------------------------

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url, socket_timeout=5)

    def cycle(self) -> dict:
        """The last deployment refresh cycle's record (started_at, finished_at, duration, count), {} before any."""
        raw = self.redis().get(f"{self.prefix}:1:{CYCLE_KEY}")  # the cache's key function: prefix:version:key
        return json.loads(raw) if raw else {}

    def next_cycle_end(self, after: float, timeout: float) -> dict:
        """Wait until a refresh cycle that started after epoch `after` has finished; its record (or {} on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            cycle = self.cycle()
            if (cycle.get("started_at") or 0) > after and not cycle.get("running") and cycle.get("finished_at"):
                return cycle
            time.sleep(0.2)
        return {}

    # -- memory ----------------------------------------------------------------------------------------------------

    def peak_rss_mb(self) -> dict[str, float]:
        """Peak resident memory (VmHWM) of the largest gunicorn worker and of the largest Celery worker process."""
        return {"gunicorn_worker": _largest_peak(children(self.procs["web"].pid)),
                "celery_worker": _largest_peak([self.procs["worker"].pid, *children(self.procs["worker"].pid)])}

    def stop(self, keep: bool = False) -> None:
        """Stop web, worker and beat at once (quick shutdowns: the bench has nothing left to finish), then Redis and the
        sandbox; remove the directory unless `keep`."""
        pool = children(self.procs["worker"].pid) if "worker" in self.procs else []
        for group in (("web", "worker", "beat"), ("redis",)):
            running = [(name, self.procs[name]) for name in group if name in self.procs]
            for name, proc in running:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGQUIT if name in ("web", "worker", "beat") else signal.SIGTERM)
            for _, proc in running:
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
        for pid in pool:  # a pool process its killed worker left behind (checked to be still this run's worker)
            with contextlib.suppress(OSError):
                if b"celery" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGKILL)
        self.sandbox.stop()
        if not keep:
            shutil.rmtree(self.work, ignore_errors=True)


def children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [int(c) for t in tasks for c in (t / "children").read_text().split()]
    except OSError:
        return []


def _largest_peak(pids: list[int]) -> float:
    peaks = [0.0]
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return round(max(peaks), 1)
