"""Helpers for the reviewers' workspace tests: walking the approve/reject/delegate form like a browser."""

from __future__ import annotations

import re

from django.urls import reverse

from sandbox.seed import HOSTILE_ARTIFACT

REVIEWS_OP = "POST /artifacts/{artifactId}/sign-offs/{signOffStepId}/reviews"
DELEGATE_OP = "POST /artifacts/{artifactId}/sign-offs/{signOffStepId}/delegate"


def action_url(artifact_id: str, step_id: str, kind: str) -> str:
    return reverse("govern_ui:step_action", args=[artifact_id, step_id, kind])


def form_key(html: str) -> str:
    match = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert match, "the form carries no idempotency key"
    return match.group(1)


def open_form(client, artifact_id, step_id, kind) -> str:
    """GET the action form and return its idempotency key."""
    response = client.get(action_url(artifact_id, step_id, kind))
    assert response.status_code == 200, response.content[:500]
    return form_key(response.content.decode())


def confirm(client, artifact_id, step_id, kind, key, **fields):
    """POST the confirmed form (as the confirmation page's button does)."""
    return client.post(action_url(artifact_id, step_id, kind), {"idempotency_key": key, "confirm": "1", **fields})


def posts(sandbox, op=REVIEWS_OP) -> int:
    return sandbox.stats().get("govern", {}).get(op, 0)


def find_step(summary, status, *, required=None, delegated=False, skip=(HOSTILE_ARTIFACT,), free_for="alice"):
    """A seeded step in `status` that `free_for` has not reviewed yet (read back through Govern)."""
    from govern_ui.client import get_client

    for item in summary["signOffs"].get(status, []):
        if item["artifactId"] in skip or bool(item.get("delegatedTo")) != delegated:
            continue
        if required is not None and item["requiredReviewers"] != required:
            continue
        if free_for and item["reviews"]:
            reviews = get_client().get_sign_off(item["artifactId"], item["stepId"]).reviews
            if any(r.reviewer == free_for for r in reviews):
                continue
        return item["artifactId"], item["stepId"]
    raise AssertionError(f"no seeded {status} step (required={required}, delegated={delegated})")
