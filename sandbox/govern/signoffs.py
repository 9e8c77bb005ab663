"""Govern handlers for sign-offs: list and read steps, delegate one, and the review state machine."""

from __future__ import annotations

import copy

from sandbox.clock import now_ms
from sandbox.govern.auth import SERVICE_ACCOUNT
from sandbox.govern.lookups import artifact_of, required_reviewers, step_of
from sandbox.http import Call, bad_request


def list_sign_offs(call: Call):
    """GET /artifacts/{artifactId}/sign-offs"""
    return copy.deepcopy(call.store.govern["signOffs"][artifact_of(call)["id"]])


def get_sign_off(call: Call):
    """GET /artifacts/{artifactId}/sign-offs/{signOffStepId}"""
    return copy.deepcopy(step_of(call))


def delegate_sign_off(call: Call):
    """POST …/delegate: sets DELEGATED and ``delegatedTo``; decided steps and unknown logins are 400."""
    entry = step_of(call)
    if entry["status"] in ("APPROVED", "REJECTED"):
        raise bad_request(f"sign-off step {entry['stepId']} is already {entry['status']}; it cannot be delegated")
    delegate = call.body["delegateTo"]
    if delegate not in call.store.govern["users"]:
        raise bad_request(f"unknown user {delegate!r}")
    entry["status"] = "DELEGATED"
    entry["delegatedTo"] = delegate
    return copy.deepcopy(entry)


def add_review(call: Call):
    """POST …/reviews: the sign-off state machine described in README.md."""
    entry = step_of(call)
    reviewer = call.caller
    service = reviewer == SERVICE_ACCOUNT
    if entry["status"] in ("APPROVED", "REJECTED"):
        raise bad_request(f"sign-off step {entry['stepId']} is already {entry['status']}; no more reviews accepted")
    if entry["status"] == "DELEGATED" and not service and reviewer != entry.get("delegatedTo"):
        raise bad_request(
            f"sign-off step {entry['stepId']} is delegated to {entry.get('delegatedTo')}; {reviewer} may not review it"
        )
    if not service and any(review["reviewer"] == reviewer for review in entry["reviews"]):
        raise bad_request(f"{reviewer} has already reviewed sign-off step {entry['stepId']}")
    review = {"reviewer": reviewer, "outcome": call.body["outcome"], "reviewedOn": now_ms()}
    if "comment" in call.body:
        review["comment"] = call.body["comment"]
    entry["reviews"].append(review)
    approvals = sum(1 for r in entry["reviews"] if r["outcome"] == "APPROVED")
    if any(r["outcome"] == "REJECTED" for r in entry["reviews"]):
        entry["status"] = "REJECTED"
    elif approvals >= required_reviewers(call.store, artifact_of(call)["id"], entry["stepId"]):
        entry["status"] = "APPROVED"
    else:
        entry["status"] = "IN_PROGRESS"
    return dict(review)
