"""Govern stand-in: blueprints and their versions, artifacts and custom fields, sign-offs, roles and users.

Callers need only ``build_app`` (the WSGI app), ``summary`` and ``keep_open_steps`` (for the control API) and the
keys; the handlers live
in one module per resource of the contract, wired in ``app.py``.
"""

from sandbox.govern.app import BASE_PATH, build_app
from sandbox.govern.auth import SERVICE_ACCOUNT, SERVICE_KEY, USER_KEY_PREFIX, authenticate
from sandbox.govern.report import keep_open_steps, summary

__all__ = ["BASE_PATH", "SERVICE_ACCOUNT", "SERVICE_KEY", "USER_KEY_PREFIX", "authenticate", "build_app",
           "keep_open_steps", "summary"]
