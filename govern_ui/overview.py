"""Govern's numbers for the home page (registered as a home section in `GovernUiConfig.ready`)."""

from __future__ import annotations

from govern_ui import enqueue
from govern_ui.catalog import Catalog
from govern_ui.index import SignOffIndex


def summary() -> dict:
    """Artifact count (the catalog) and open sign-off steps (the sign-off index; "…" while it is being built), `as_of`
    the older of the two readings. Raises `UpstreamError` when the artifact list is not cached and Govern cannot give
    it."""
    catalog = Catalog()
    artifacts = len(catalog.artifact_list().artifacts)
    read_at = [t for t in (catalog.stamped_at("artifacts"),) if t is not None]
    snapshot = SignOffIndex().load()
    if snapshot is None:
        enqueue.request_index_rebuild()
        return {"artifacts": artifacts, "pending_sign_offs": "…", "loading": True, "as_of": min(read_at, default=None)}
    return {"artifacts": artifacts, "pending_sign_offs": snapshot.open_step_count(),
            "as_of": min([*read_at, snapshot.built_at])}
