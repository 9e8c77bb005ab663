"""Deployer handlers for futures (``/futures``): list the alive ones, read one, abort one."""

from __future__ import annotations

from sandbox.deployer import futures
from sandbox.http import Call, not_found


def _future(call: Call) -> dict:
    try:
        return call.store.futures[call.params["jobId"]]
    except KeyError:
        raise not_found("Future", call.params["jobId"]) from None


def list_futures(call: Call):
    """GET /futures/?allUsers=&withScenarios=: the alive ones (the only key owns every future)."""
    all_users = call.query_bool("allUsers")
    call.query_bool("withScenarios")  # validated; no scenarios run in the sandbox
    return [
        futures.view(future)
        for future in call.store.futures.values()
        if future["state"] == "running" and (all_users or future["owner"] == call.caller)
    ]


def get_future(call: Call):
    """GET /futures/{jobId}?peek=: finished futures stay readable, with their result whatever ``peek`` says."""
    call.query_bool("peek")
    return futures.view(_future(call))


def abort_future(call: Call):
    """DELETE /futures/{jobId}"""
    future = _future(call)
    futures.abort(future)
    return futures.view(future)
