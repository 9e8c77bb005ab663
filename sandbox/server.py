"""Listeners: one threaded werkzeug server per upstream plus the control server, in one process."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable

from werkzeug.serving import BaseWSGIServer, make_server

from sandbox import apinode, deployer, govern
from sandbox.control import ControlApp
from sandbox.state import APINODES, UPSTREAMS, Options, Store

log = logging.getLogger("sandbox")
TICK_SECONDS = 0.1
# Port offsets from --base-port, as documented in README.md.
PORT_OFFSETS = {"control": 0, "govern": 1, "dss": 2, "apinode-a": 3, "apinode-b": 4}


class Listener:
    """One HTTP server in its own thread. ``stop`` really closes the socket; ``start`` reopens the same port."""

    def __init__(self, name: str, app, host: str, port: int):
        self.name = name
        self.app = app
        self.host = host
        self.port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether the socket is open."""
        return self._server is not None

    def start(self) -> None:
        """Bind (port 0 picks a free port, remembered for restarts) and serve in a daemon thread."""
        if self._server is not None:
            return
        self._server = make_server(self.host, self.port, self.app, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"sandbox-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket, so connections are refused."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server, self._thread = None, None


class Sandbox:
    """The whole sandbox: state, listeners and the background ticker."""

    def __init__(self, options: Options):
        self.options = options
        self.store = Store(options)
        apps = {
            "control": ControlApp(self),
            "govern": govern.build_app(self.store),
            "dss": deployer.build_app(self.store),
            **{node: apinode.build_app(self.store, node) for node in APINODES},
        }
        self.listeners = {
            name: Listener(name, app, options.host, options.base_port + PORT_OFFSETS[name] if options.base_port else 0)
            for name, app in apps.items()
        }
        self._listeners_lock = threading.Lock()  # serialises start/stop of listeners (not state)
        self._stopping = threading.Event()
        self._ticker = threading.Thread(target=self._tick_forever, name="sandbox-ticker", daemon=True)

    @property
    def ports(self) -> dict:
        """Port of every listener."""
        return {name: listener.port for name, listener in self.listeners.items()}

    def start(self) -> dict:
        """Open every listener, write the ports file, start the ticker. Returns the ports."""
        for listener in self.listeners.values():
            listener.start()
        self._ticker.start()
        if self.options.ports_file:
            tmp = f"{self.options.ports_file}.tmp"
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(self.ports, handle)
            os.replace(tmp, self.options.ports_file)  # atomic: readers never see a half-written file
        return self.ports

    def stop(self) -> None:
        """Close every listener and stop the ticker."""
        self._stopping.set()
        with self._listeners_lock:
            # In parallel: each shutdown waits for its server's poll loop (up to half a second).
            stoppers = [threading.Thread(target=listener.stop) for listener in self.listeners.values()]
            for thread in stoppers:
                thread.start()
            for thread in stoppers:
                thread.join()

    def reset(self, seed: int | None = None, artifacts: int | None = None, deployments: int | None = None) -> None:
        """Re-seed (clearing knobs, stats, futures) and bring every listener back up."""
        self.store.reset(seed=seed, artifacts=artifacts, deployments=deployments)
        self._sync_listeners()

    def set_knobs(self, targets: Iterable[str], changes: dict) -> None:
        """Apply knob changes; ``down`` opens or closes the listeners."""
        with self.store.lock:
            for name in targets:
                knobs = self.store.knobs[name]
                for key, value in changes.items():
                    setattr(knobs, key, value)
        self._sync_listeners()

    def _sync_listeners(self) -> None:
        # Runs without the state lock: stopping a server waits for its loop, which must not block on state.
        with self._listeners_lock:
            with self.store.lock:
                wanted = {name: not self.store.knobs[name].down for name in UPSTREAMS}
            for name, up in wanted.items():
                listener = self.listeners[name]
                if up and not listener.running:
                    log.info("sandbox: %s back up on port %s", name, listener.port)
                    listener.start()
                elif not up and listener.running:
                    log.info("sandbox: %s down", name)
                    listener.stop()

    def _tick_forever(self) -> None:
        while not self._stopping.wait(TICK_SECONDS):
            try:
                with self.store.lock:
                    deployer.tick(self.store)
            except Exception:  # keep time moving for the other futures; the traceback is logged
                log.exception("sandbox: tick failed")
