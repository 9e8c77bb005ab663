"""Govern handlers for the user directory: roles and users (read only)."""

from __future__ import annotations

import copy

from sandbox.http import Call


def list_roles(call: Call):
    """GET /roles"""
    return copy.deepcopy(list(call.store.govern["roles"].values()))


def list_users(call: Call):
    """GET /users"""
    return copy.deepcopy(list(call.store.govern["users"].values()))
