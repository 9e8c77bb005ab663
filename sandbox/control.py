"""The control API (``/__sandbox__``): reset, knobs, stats, config, Govern summary and open steps. No auth: loopback
only."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Protocol

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.wrappers import Request

from sandbox import deployer, govern
from sandbox.http import ApiError, bad_request, json_response
from sandbox.state import UPSTREAMS, Store

PREFIX = "/__sandbox__"
KNOB_TYPES = {"latency_ms": (int, float), "error_rate": (int, float), "error_status": (int,), "down": (bool,),
              "garbage": (bool,)}
CONFIG_TYPES = {"future_seconds": (int, float), "drift": (bool,), "drift_seconds": (int, float),
                "failing_bundles": (list,)}


def _object_body(request: Request) -> dict:
    raw = request.get_data()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise bad_request(f"Malformed JSON body: {exc}") from exc
    if not isinstance(body, dict):
        raise bad_request("body must be a JSON object")
    return body


def _typed(body: dict, types: dict, ignore: tuple = ()) -> dict:
    """Keep the known keys, checking their JSON types (bool is not a number here)."""
    unknown = set(body) - set(types) - set(ignore)
    if unknown:
        raise bad_request(f"unknown key(s): {', '.join(sorted(unknown))}")
    for key, value in body.items():
        if key in types and (not isinstance(value, types[key]) or (bool not in types[key] and isinstance(value, bool))):
            raise bad_request(f"{key} has the wrong type: {value!r}")
    return {key: value for key, value in body.items() if key in types}


class Controlled(Protocol):
    """What the control API drives (``sandbox.server.Sandbox``, which imports this module, not the reverse)."""

    store: Store

    def reset(self, seed: int | None = None, artifacts: int | None = None, deployments: int | None = None) -> None:
        """Re-seed and bring every listener back up."""

    def set_knobs(self, targets: Iterable[str], changes: dict) -> None:
        """Apply knob changes."""


class ControlApp:
    """WSGI app for the control port."""

    def __init__(self, sandbox: Controlled):
        self.sandbox = sandbox
        self.routes = {
            "health": self.health,
            "reset": self.reset,
            "knobs": self.set_knobs,
            "get_knobs": self.get_knobs,
            "stats": self.stats,
            "stats_reset": self.stats_reset,
            "config": self.set_config,
            "get_config": self.get_config,
            "summary": self.summary,
            "dss_health": self.set_health,
            "open_steps": self.keep_open_steps,
        }
        self.url_map = Map([
            Rule(f"{PREFIX}/health", endpoint="health", methods=["GET"]),
            Rule(f"{PREFIX}/reset", endpoint="reset", methods=["POST"]),
            Rule(f"{PREFIX}/knobs", endpoint="knobs", methods=["POST"]),
            Rule(f"{PREFIX}/knobs", endpoint="get_knobs", methods=["GET"]),
            Rule(f"{PREFIX}/stats", endpoint="stats", methods=["GET"]),
            Rule(f"{PREFIX}/stats/reset", endpoint="stats_reset", methods=["POST"]),
            Rule(f"{PREFIX}/config", endpoint="config", methods=["POST"]),
            Rule(f"{PREFIX}/config", endpoint="get_config", methods=["GET"]),
            Rule(f"{PREFIX}/govern/summary", endpoint="summary", methods=["GET"]),
            Rule(f"{PREFIX}/dss/health", endpoint="dss_health", methods=["POST"]),
            Rule(f"{PREFIX}/govern/open-steps", endpoint="open_steps", methods=["POST"]),
        ], strict_slashes=False)

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            endpoint, _ = self.url_map.bind_to_environ(environ).match()
            response = json_response(self.routes[endpoint](request))
        except (NotFound, RequestRedirect):
            response = ApiError(404, f"No such control endpoint: {request.method} {request.path}").to_response()
        except MethodNotAllowed:
            response = ApiError(405, f"Method {request.method} not allowed on {request.path}").to_response()
        except ApiError as error:
            response = error.to_response()
        return response(environ, start_response)

    def health(self, request: Request) -> Any:
        """GET /health"""
        return {"ok": True}

    def reset(self, request: Request) -> Any:
        """POST /reset {"seed": 42, "artifacts": n, "deployments": n}, all optional."""
        body = _typed(_object_body(request), {"seed": (int,), "artifacts": (int,), "deployments": (int,)})
        self.sandbox.reset(**body)
        return {"ok": True, "seed": self.sandbox.store.seed}

    def set_knobs(self, request: Request) -> Any:
        """POST /knobs {"target": upstream|"all", <knob>: value, ...}: only the given knobs change."""
        body = _object_body(request)
        target = body.get("target", "all")
        if target != "all" and target not in UPSTREAMS:
            raise bad_request(f"unknown target {target!r} (one of all, {', '.join(UPSTREAMS)})")
        changes = _typed(body, KNOB_TYPES, ignore=("target",))
        if not 0 <= changes.get("error_rate", 0) <= 1:
            raise bad_request("error_rate must be between 0 and 1")
        if changes.get("latency_ms", 0) < 0:
            raise bad_request("latency_ms must not be negative")
        if not 500 <= changes.get("error_status", 503) <= 599:
            raise bad_request("error_status must be a 5xx status")
        self.sandbox.set_knobs(UPSTREAMS if target == "all" else (target,), changes)
        return self.get_knobs(request)

    def get_knobs(self, request: Request) -> Any:
        """GET /knobs"""
        with self.sandbox.store.lock:
            return {name: knobs.as_dict() for name, knobs in self.sandbox.store.knobs.items()}

    def stats(self, request: Request) -> Any:
        """GET /stats"""
        with self.sandbox.store.lock:
            return {name: dict(counter) for name, counter in self.sandbox.store.stats.items()}

    def stats_reset(self, request: Request) -> Any:
        """POST /stats/reset"""
        self.sandbox.store.reset_stats()
        return {"ok": True}

    def set_config(self, request: Request) -> Any:
        """POST /config {"future_seconds": s, "drift": bool, "drift_seconds": s, "failing_bundles": [bundle id, …]}"""
        changes = _typed(_object_body(request), CONFIG_TYPES)
        if not all(isinstance(b, str) for b in changes.get("failing_bundles", [])):
            raise bad_request("failing_bundles must be a list of bundle ids")
        if any(changes.get(key, 1) < 0 for key in ("future_seconds", "drift_seconds")):
            raise bad_request("durations must not be negative")
        with self.sandbox.store.lock:
            self.sandbox.store.config.update(changes)
            return dict(self.sandbox.store.config)

    def get_config(self, request: Request) -> Any:
        """GET /config"""
        with self.sandbox.store.lock:
            return dict(self.sandbox.store.config)

    def summary(self, request: Request) -> Any:
        """GET /govern/summary"""
        return govern.summary(self.sandbox.store)

    def keep_open_steps(self, request: Request) -> Any:
        """POST /govern/open-steps {"keep": n}: every undecided step beyond the first n is decided (approved)."""
        body = _typed(_object_body(request), {"keep": (int,)})
        if "keep" not in body:
            raise bad_request("keep is required")
        return govern.keep_open_steps(self.sandbox.store, body["keep"])

    def set_health(self, request: Request) -> Any:
        """POST /dss/health {"deployment": id, "health": "ERROR"}: one deployment's health changes now."""
        body = _typed(_object_body(request), {"deployment": (str,), "health": (str,)})
        if set(body) != {"deployment", "health"}:
            raise bad_request("deployment and health are required")
        return deployer.set_health(self.sandbox.store, body["deployment"], body["health"])
