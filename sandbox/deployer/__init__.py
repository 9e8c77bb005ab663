"""Deployer stand-in (the DSS Project Deployer API): deployments, published projects and bundles, infras, futures.

Callers need only ``build_app`` (the WSGI app), ``tick`` (time passing), ``set_health`` (the control API's health
knob) and the service key; the handlers live in
one module per resource of the contract, wired in ``app.py``.
"""

from sandbox.deployer.account import SERVICE_KEY, authenticate
from sandbox.deployer.app import BASE_PATH, build_app
from sandbox.deployer.drift import set_health, tick

__all__ = ["BASE_PATH", "SERVICE_KEY", "authenticate", "build_app", "set_health", "tick"]
