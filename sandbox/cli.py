"""Command line shared by ``python -m sandbox`` and ``manage.py runsandbox``."""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from sandbox.server import Sandbox
from sandbox.state import Options

log = logging.getLogger("sandbox")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the sandbox flags on ``parser`` (argparse or Django's CommandParser)."""
    defaults = Options()
    parser.add_argument("--host", default=defaults.host, help="interface to bind (default %(default)s)")
    parser.add_argument("--base-port", type=int, default=defaults.base_port,
                        help="control port; upstreams use +1..+4; 0 picks free ports (default %(default)s)")
    parser.add_argument("--ports-file", default=None, help="write the chosen ports there as JSON once listening")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="seed of the data (default %(default)s)")
    parser.add_argument("--artifacts", type=int, default=defaults.artifacts, help="Govern artifacts to seed")
    parser.add_argument("--deployments", type=int, default=defaults.deployments, help="DSS deployments to seed")
    parser.add_argument("--services", type=int, default=defaults.services,
                        help="services per API node (curated ones first, then generated; default: the curated ones)")
    parser.add_argument("--future-seconds", type=float, default=defaults.future_seconds,
                        help="wall time a deployment update takes (default %(default)s)")
    parser.add_argument("--latency-ms", type=float, default=defaults.latency_ms, help="latency added to every call")
    parser.add_argument("--error-rate", type=float, default=defaults.error_rate,
                        help="share of calls answered 503 (0..1)")
    parser.add_argument("--drift", action="store_true", help="let deployment health drift every couple of seconds")
    parser.add_argument("--drift-seconds", type=float, default=defaults.drift_seconds, help="drift period")
    parser.add_argument("--log-requests", action="store_true", help="log every request (werkzeug access log)")


def options_from(namespace: argparse.Namespace) -> Options:
    """Build :class:`Options` from parsed flags (extra attributes, e.g. Django's, are ignored)."""
    return Options(
        host=namespace.host,
        base_port=namespace.base_port,
        ports_file=namespace.ports_file,
        seed=namespace.seed,
        artifacts=namespace.artifacts,
        deployments=namespace.deployments,
        services=namespace.services,
        future_seconds=namespace.future_seconds,
        latency_ms=namespace.latency_ms,
        error_rate=namespace.error_rate,
        drift=namespace.drift,
        drift_seconds=namespace.drift_seconds,
        log_requests=namespace.log_requests,
    )


def run(namespace: argparse.Namespace) -> None:
    """Start the sandbox and block until SIGINT or SIGTERM."""
    options = options_from(namespace)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # werkzeug logs one line per request at INFO; keep that opt-in.
    logging.getLogger("werkzeug").setLevel(logging.INFO if options.log_requests else logging.WARNING)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    sandbox = Sandbox(options)
    ports = sandbox.start()
    log.info("sandbox listening on %s: %s", options.host, ports)
    try:
        stop.wait()
    finally:
        sandbox.stop()
        log.info("sandbox stopped")


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m sandbox``."""
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    add_arguments(parser)
    run(parser.parse_args(argv))
