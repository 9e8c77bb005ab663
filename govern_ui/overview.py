"""Govern's numbers for the home page (registered as a home section in `GovernUiConfig.ready`), from the mirror."""

from __future__ import annotations

from govern_ui.mirror import read as mirror

UNREACHABLE = "cannot be reached"


def summary() -> dict:
    """Artifact count and open sign-off steps from the Govern mirror ("…" while it was never filled), `as_of` the
    mirror's age, and `down` while the mirror's reader cannot read Govern. Never calls Govern."""
    age = mirror.age()
    if age.as_of is None:
        found = {"artifacts": "…", "pending_sign_offs": "…", "loading": True, "as_of": None}
    else:
        artifacts, pending = mirror.counts()
        found = {"artifacts": artifacts, "pending_sign_offs": pending, "as_of": age.as_of}
    if age.error:
        found["down"] = UNREACHABLE
    return found
