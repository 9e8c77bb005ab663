"""Govern's numbers for the home page."""

from __future__ import annotations

from govern_ui import catalog
from govern_ui.index import SignOffIndex
from govern_ui.services import trigger_index_refresh


def summary() -> dict:
    """Artifact count (the cached list) and open sign-off steps (the cached sign-off index; "…" while it is being
    built). Raises `UpstreamError` when the artifact list is not cached and Govern cannot give it."""
    artifacts = len(catalog.artifact_list().artifacts)
    snapshot = SignOffIndex().load()
    if snapshot is None:
        trigger_index_refresh()
        return {"artifacts": artifacts, "pending_sign_offs": "…", "loading": True}
    return {"artifacts": artifacts, "pending_sign_offs": snapshot.open_step_count()}
