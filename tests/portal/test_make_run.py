"""`make run`'s last step, `manage.py rundemo`, brings the whole demo up and Ctrl-C brings it all down."""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def _free_run_of_ports(count: int) -> int:
    """A run of `count` free ports below the kernel's ephemeral range, so that no outgoing connection (the suite makes
    thousands) can take one between this check and the demo binding it."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(10_000, low - count)
        socks = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free run of ports")


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def _demo(tmp_path):
    """`manage.py rundemo` up (its /healthz and sandbox answering) in a fresh directory and database; on the way out,
    Ctrl-C, and every port it served must be closed. Yields (process, web port, log path)."""
    base = _free_run_of_ports(6)
    web_port, sandbox_base = base, base + 1
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "SANDBOX_BASE_PORT": str(sandbox_base),
        "CACHE_KEY_PREFIX": f"rundemo-{base}",
    }
    for name in ("GOVERN_URL", "DSS_URL", "API_NODES"):
        env.pop(name, None)  # the demo's own sandbox, not the test session's
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "seed_demo"], env=env, check=True, cwd=ROOT, capture_output=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    log_path = tmp_path / "rundemo.log"
    log = open(log_path, "wb")  # noqa: SIM115
    proc = subprocess.Popen([*manage, "rundemo", "--port", str(web_port)], env=env, cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{web_port}/healthz", timeout=1).ok and _port_open(sandbox_base + 1):
                    break
            except requests.RequestException:
                pass
            assert proc.poll() is None, log_path.read_text()[-3000:]
            time.sleep(0.5)
        else:
            raise AssertionError("demo did not come up:\n" + log_path.read_text()[-3000:])
        yield proc, web_port, log_path
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    for port in (web_port, *range(sandbox_base, sandbox_base + 5)):
        assert not _port_open(port), f"port {port} still served after Ctrl-C"


@pytest.mark.worker
def test_rundemo_serves_the_home_page_with_data_and_stops_on_ctrl_c(tmp_path):
    with _demo(tmp_path) as (proc, web_port, log_path):
        printed = log_path.read_text()
        assert f"http://127.0.0.1:{web_port}/" in printed and "alice" in printed and "portal-demo" in printed

        session = requests.Session()
        login_page = session.get(f"http://127.0.0.1:{web_port}/login/", timeout=5)
        assert login_page.status_code == 200, login_page.text[:2000]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text).group(1)
        session.post(f"http://127.0.0.1:{web_port}/login/", timeout=5,
                     data={"username": "alice", "password": "portal-demo", "csrfmiddlewaretoken": token},
                     headers={"Referer": f"http://127.0.0.1:{web_port}/login/"})
        # The first view finds the status cache cold and shows "loading"; the demo's worker fills it.
        patterns = [rf'data-testid="{name}-count">\d+<' for name in ("artifact", "pending", "deployment", "service")]
        deadline = time.monotonic() + 45
        while True:
            home = session.get(f"http://127.0.0.1:{web_port}/", timeout=20)
            assert home.status_code == 200
            missing = [p for p in patterns if not re.search(p, home.text)]
            if not missing:
                break
            assert time.monotonic() < deadline, f"never shown: {missing}\n" + home.text[:3000]
            time.sleep(1)


def _started(log_path, name) -> list[int]:
    return [int(pid) for pid in re.findall(rf"\[keepalive\] {name} started \(pid (\d+)\)", log_path.read_text())]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


@pytest.mark.worker
def test_rundemo_restarts_a_killed_worker_and_beat_and_keeps_serving(tmp_path):
    with _demo(tmp_path) as (proc, web_port, log_path):
        for name in ("worker", "beat"):
            [first] = _started(log_path, name)
            os.kill(first, signal.SIGKILL)  # a crash, an out-of-memory kill
            deadline = time.monotonic() + 30
            while len(_started(log_path, name)) < 2:
                assert time.monotonic() < deadline, f"{name} never came back:\n" + log_path.read_text()[-3000:]
                assert proc.poll() is None, "the demo stopped:\n" + log_path.read_text()[-3000:]
                time.sleep(0.2)
            second = _started(log_path, name)[-1]
            assert second != first and _alive(second)
        # The rest never stopped.
        assert requests.get(f"http://127.0.0.1:{web_port}/healthz", timeout=5).ok
        restarted = _started(log_path, "worker")[-1]
        assert "restarting in 1 s" in log_path.read_text()
    assert not _alive(restarted), "the restarted worker outlived Ctrl-C"
