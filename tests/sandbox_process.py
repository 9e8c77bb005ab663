"""Run the sandbox in a subprocess for tests: ``with SandboxProcess(future_seconds=0.5) as sb: sb.url("govern")``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from tests.contract import register_base_url

REPO_ROOT = Path(__file__).resolve().parent.parent
BASE_PATHS = {"govern": "/public/api", "dss": "/public/api", "apinode-a": "/admin/api", "apinode-b": "/admin/api"}
SPECS = {"govern": "govern", "dss": "dss", "apinode-a": "apinode", "apinode-b": "apinode"}
STARTUP_TIMEOUT = 20.0


class SandboxProcess:
    """``python -m sandbox --base-port 0`` in a subprocess, with helpers for its control API."""

    def __init__(self, *, seed: int = 42, future_seconds: float = 0.5, artifacts: int | None = None,
                 deployments: int | None = None, services: int | None = None, extra_args: tuple[str, ...] = ()):
        self._tmp = tempfile.TemporaryDirectory(prefix="sandbox-")
        self.ports_file = Path(self._tmp.name) / "ports.json"
        self.log_file = Path(self._tmp.name) / "sandbox.log"
        self.args = [sys.executable, "-m", "sandbox", "--base-port", "0", "--ports-file", str(self.ports_file),
                     "--seed", str(seed), "--future-seconds", str(future_seconds), *extra_args]
        if artifacts is not None:
            self.args += ["--artifacts", str(artifacts)]
        if deployments is not None:
            self.args += ["--deployments", str(deployments)]
        if services is not None:
            self.args += ["--services", str(services)]
        self.ports: dict[str, int] = {}
        self.proc: subprocess.Popen | None = None
        self.http = requests.Session()

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> SandboxProcess:
        """Start the process and wait (at most 20 s) until every port listens."""
        python_path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "PYTHONPATH": python_path}
        with open(self.log_file, "wb") as log:
            self.proc = subprocess.Popen(self.args, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self.ports_file.exists():
            if self.proc.poll() is not None:
                raise RuntimeError(f"sandbox exited with {self.proc.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"sandbox did not start within {STARTUP_TIMEOUT}s:\n{self.log()}")
            time.sleep(0.05)
        self.ports = json.loads(self.ports_file.read_text())
        for name, spec in SPECS.items():
            register_base_url(self.url(name), spec)
        return self

    def log(self) -> str:
        """What the sandbox printed so far."""
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def url(self, name: str) -> str:
        """Base URL of an upstream (``govern``, ``dss``, ``apinode-a``, ``apinode-b``) or of ``control``."""
        if name == "control":
            return f"http://127.0.0.1:{self.ports['control']}/__sandbox__"
        return f"http://127.0.0.1:{self.ports[name]}{BASE_PATHS[name]}"

    def _control(self, method: str, path: str, body: dict | None = None):
        response = self.http.request(method, self.url("control") + path, json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def reset(self, **body) -> dict:
        """Re-seed (optionally ``seed=``, ``artifacts=``, ``deployments=``); clears knobs, stats, futures."""
        return self._control("POST", "/reset", body)

    def knobs(self, target: str = "all", **knobs) -> dict:
        """Set fault knobs (``latency_ms``, ``error_rate``, ``down``, ``garbage``) on one upstream or all."""
        return self._control("POST", "/knobs", {"target": target, **knobs})

    def stats(self) -> dict:
        """Request counts per upstream, keyed ``"METHOD /template"``."""
        return self._control("GET", "/stats")

    def reset_stats(self) -> dict:
        """Zero the request counts."""
        return self._control("POST", "/stats/reset")

    def config(self, **config) -> dict:
        """Change ``future_seconds``, ``drift``, ``drift_seconds`` or ``failing_bundles``."""
        return self._control("POST", "/config", config)

    def summary(self) -> dict:
        """Govern ids by sign-off status, and the seeded bundle governance (``bundles``)."""
        return self._control("GET", "/govern/summary")

    def keep_open_steps(self, keep: int) -> dict:
        """Decide every undecided Govern sign-off step beyond the first `keep`; returns the counts left."""
        return self._control("POST", "/govern/open-steps", {"keep": keep})

    def set_health(self, deployment: str, health: str) -> dict:
        """Set one deployment's health now (as its automation node would report it)."""
        return self._control("POST", "/dss/health", {"deployment": deployment, "health": health})

    def stop(self) -> None:
        """Terminate, wait, kill if it will not stop."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.http.close()
        self._tmp.cleanup()
