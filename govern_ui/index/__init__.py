"""The sign-off index: every open sign-off step across all artifacts, as the queue's rules read it (`entries`); the
Govern mirror (`govern_ui.mirror`) builds it from its rows."""

from govern_ui.index.entries import (
    ArtifactEntry,
    Directory,
    IndexedStep,
    IndexSnapshot,
    build_entry,
    reviewers_of,
)

__all__ = [
    "ArtifactEntry",
    "Directory",
    "IndexSnapshot",
    "IndexedStep",
    "build_entry",
    "reviewers_of",
]
