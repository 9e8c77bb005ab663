"""Govern's numbers for the home page."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from govern_ui.client import get_client

OPEN_STATUSES = ("NOT_STARTED", "IN_PROGRESS", "DELEGATED")


def summary() -> dict[str, int]:
    """Artifact count and open sign-off steps. Raises `UpstreamError`."""
    client = get_client()
    artifacts = client.list_artifacts()
    with ThreadPoolExecutor(max_workers=8) as pool:
        sign_offs = pool.map(lambda a: client.list_sign_offs(a.id), artifacts)
        pending = sum(1 for steps in sign_offs for step in steps if step.status in OPEN_STATUSES)
    return {"artifacts": len(artifacts), "pending_sign_offs": pending}
