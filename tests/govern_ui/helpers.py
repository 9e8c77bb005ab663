"""Helpers for the reviewers' workspace tests: walking the approve/reject/delegate form like a browser."""

from __future__ import annotations

import re
import threading

from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from govern_ui.client import GovernClient, get_client
from govern_ui.mirror import read, sweep
from govern_ui.models import MirroredArtifact, MirrorState, attributed_login
from portal.lib.upstream import client_options
from sandbox.seed import HOSTILE_ARTIFACT

REVIEWS_OP = "POST /artifacts/{artifactId}/sign-offs/{signOffStepId}/reviews"
# The reviewer personas of tests/conftest.py (alice, bob, carol) and the admin (frank).
PERSONAS = ("alice", "bob", "carol", "frank")
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


def find_step(summary, status, *, required=None, delegated=False, skip=(HOSTILE_ARTIFACT,), free_for="alice",
              not_owned_by=PERSONAS):
    """A seeded step in `status` that `free_for` has not reviewed yet (read back through Govern), on an artifact that
    none of `not_owned_by` created or owns (segregation of duties would keep them off it)."""
    for item in summary["signOffs"].get(status, []):
        if item["artifactId"] in skip or bool(item.get("delegatedTo")) != delegated:
            continue
        if required is not None and item["requiredReviewers"] != required:
            continue
        if not_owned_by and owners(item["artifactId"]) & set(not_owned_by):
            continue
        if free_for and item["reviews"]:
            reviews = get_client().get_sign_off(item["artifactId"], item["stepId"]).reviews
            if any(r.reviewer == free_for for r in reviews):
                continue
        return item["artifactId"], item["stepId"]
    raise AssertionError(f"no seeded {status} step (required={required}, delegated={delegated})")


def owners(artifact_id: str) -> set[str]:
    """The creator and the owner field of an artifact (read through Govern)."""
    art = get_client().get_artifact(artifact_id)
    owner = (art.custom_fields or {}).get("owner")
    return {art.created_by} | ({owner} if isinstance(owner, str) else set())


PARALLEL = 10


def race(count, attempt):
    """Run `attempt(i)` in `count` threads released together; returns their results (or exceptions)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i):
        try:
            barrier.wait(timeout=30)
            results[i] = attempt(i)
        except Exception as exc:  # noqa: BLE001 - reported by the test's assertions
            results[i] = exc
        finally:
            connection.close()  # each thread had its own database connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(isinstance(r, Exception) for r in results), results
    return results


def signed_in(user, count):
    clients = []
    for _ in range(count):
        client = Client()
        client.force_login(user)
        clients.append(client)
    return clients


def reviews_by(art, step, login):
    """The reviews of a step that name `login` as the person who decided (service account or own key)."""
    reviews = get_client().get_sign_off(art, step).reviews
    return [r for r in reviews if r.reviewer == login or attributed_login(r.comment) == login]


def fill_mirror(seconds: float = 60.0) -> int:
    """Sweep the Govern mirror until nothing is due (every artifact read once, as a worker's ticks would). Returns
    the Govern calls it made."""
    calls = 0
    for _ in range(100):
        result = sweep.sweep(seconds=seconds)
        assert result is not None, "another sweep holds the lock"
        calls += result.calls
        if result.error:
            raise AssertionError(f"Govern could not be read: {result.error}")
        if result.due_left == 0:
            return calls
    raise AssertionError("the mirror did not catch up")


def refill_mirror() -> int:
    """Make every artifact, the list and the directory due (as if their intervals had passed), then sweep until
    nothing is due. Returns the Govern calls made."""
    MirroredArtifact.objects.update(next_visit_at=timezone.now(), detail_at=None)
    MirrorState.objects.update(listed_at=None, directory_at=None)
    return fill_mirror()


def mirrored_queue():
    """The open steps as the queue reads them from the mirror (after filling it)."""
    fill_mirror()
    return read.snapshot()


def in_govern(login: str) -> GovernClient:
    """A person acting in Govern itself, with their own Govern API key (not through the portal)."""
    return GovernClient(**{**client_options(django_settings.GOVERN), "api_key": f"govern-key-{login}"})


def reject_in_govern(artifact_id: str, step_id: str, comment: str) -> str:
    """Someone who has not reviewed the step yet rejects it in Govern itself. Returns their login."""
    done = {r.reviewer for r in get_client().get_sign_off(artifact_id, step_id).reviews}
    login = next(p for p in ("heidi", "grace", "dave", "erin", "carol") if p not in done)
    in_govern(login).add_review(artifact_id, step_id, "REJECTED", comment)
    return login
