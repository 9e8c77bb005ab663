"""The sign-off index: every open sign-off step across all artifacts, kept in Redis (`snapshot`), and how a worker
rebuilds it from Govern (`rebuild`)."""

from govern_ui.index.rebuild import detail_is_fresh, entry_of, rebuild, record, refresh_entry
from govern_ui.index.snapshot import (
    ArtifactEntry,
    Directory,
    IndexedStep,
    IndexSnapshot,
    SignOffIndex,
    build_entry,
    reviewers_of,
)

__all__ = [
    "ArtifactEntry",
    "Directory",
    "IndexSnapshot",
    "IndexedStep",
    "SignOffIndex",
    "build_entry",
    "detail_is_fresh",
    "entry_of",
    "rebuild",
    "record",
    "refresh_entry",
    "reviewers_of",
]
